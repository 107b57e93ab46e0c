/* Lesson quiz: scoring, feedback, shuffling and the saved best result.
 *
 * The markup comes from components/quiz.html; the answers from the JSON in its
 * .db-quiz__data script element. Text is only ever set with textContent.
 * Score: the whole percent of questions answered right, rounded down
 * (Math.floor(100 * right / total)); the quiz is passed when that score is at least
 * the passing score. */
(function () {
  "use strict";

  function sameSet(chosen, correct) {
    return chosen.length === correct.length && correct.every(function (value) {
      return chosen.indexOf(value) !== -1;
    });
  }

  function scoreOf(right, total) {
    return Math.floor((100 * right) / total);
  }

  function listOfNumbers(numbers) {
    if (numbers.length === 1) return "question " + numbers[0];
    return "questions " + numbers.slice(0, -1).join(", ") + " and " + numbers[numbers.length - 1];
  }

  function shuffleInPlace(items) {
    for (var index = items.length - 1; index > 0; index--) {
      var other = Math.floor(Math.random() * (index + 1));
      var kept = items[index];
      items[index] = items[other];
      items[other] = kept;
    }
    return items;
  }

  /* localStorage may be missing or refused (private modes, file:// settings):
     the quiz still works, it just forgets. */
  function loadRecord(key) {
    try {
      var text = window.localStorage.getItem(key);
      var record = text ? JSON.parse(text) : null;
      return record && typeof record.bestScore === "number" ? record : null;
    } catch (error) {
      return null;
    }
  }

  function saveRecord(key, record) {
    try {
      if (record) window.localStorage.setItem(key, JSON.stringify(record));
      else window.localStorage.removeItem(key);
    } catch (error) {
      /* nothing to do: progress is a convenience */
    }
  }

  function setUpQuiz(root) {
    if (root.getAttribute("data-quiz-ready")) return;
    root.setAttribute("data-quiz-ready", "true");

    var data = JSON.parse(root.querySelector(".db-quiz__data").textContent);
    var key = root.getAttribute("data-quiz-key");
    var form = root.querySelector(".db-quiz__form");
    var questions = Array.prototype.slice.call(root.querySelectorAll(".db-quiz__question"));
    var submitButton = root.querySelector(".db-quiz__submit");
    var retryButton = root.querySelector(".db-quiz__retry");
    var result = root.querySelector(".db-quiz__result");
    var progress = root.querySelector(".db-quiz__progress");
    var progressText = root.querySelector(".db-quiz__progress-text");
    var resetButton = root.querySelector(".db-quiz__reset");

    function inputsOf(fieldset) {
      return Array.prototype.slice.call(fieldset.querySelectorAll("input"));
    }

    function chosenValues(fieldset) {
      return inputsOf(fieldset).filter(function (input) { return input.checked; })
        .map(function (input) { return input.value; });
    }

    function shuffleOptions() {
      if (!data.shuffle) return;
      questions.forEach(function (fieldset) {
        if (fieldset.getAttribute("data-type") === "true-false") return;  // True stays before False
        var list = fieldset.querySelector(".db-quiz__options");
        var options = Array.prototype.slice.call(list.children);
        shuffleInPlace(options).forEach(function (option) { list.appendChild(option); });
      });
    }

    function showProgress(record, message) {
      progressText.textContent = "";
      if (!record) {
        progressText.textContent = message || "";
        progress.hidden = !message;
        resetButton.hidden = true;
        return;
      }
      progressText.appendChild(document.createTextNode("Your best score: " + record.bestScore + "% — "));
      if (record.passedAt) {
        var when = document.createElement("time");
        when.setAttribute("datetime", record.passedAt);
        when.textContent = new Date(record.passedAt).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
        progressText.appendChild(document.createTextNode("passed on "));
        progressText.appendChild(when);
        progressText.appendChild(document.createTextNode("."));
      } else {
        progressText.appendChild(document.createTextNode("not passed yet."));
      }
      progress.hidden = false;
      resetButton.hidden = false;
    }

    function remember(score, passed) {
      var record = loadRecord(key) || { bestScore: score, passedAt: null };
      record.bestScore = Math.max(record.bestScore, score);
      if (passed && !record.passedAt) record.passedAt = new Date().toISOString();
      saveRecord(key, record);
      showProgress(record);
    }

    function clearMarks(fieldset) {
      fieldset.classList.remove("db-quiz__question--correct", "db-quiz__question--incorrect", "db-quiz__question--unanswered");
      fieldset.querySelector(".db-quiz__missing").hidden = true;
      fieldset.querySelector(".db-quiz__feedback").hidden = true;
      fieldset.querySelector(".db-quiz__verdict").textContent = "";
      inputsOf(fieldset).forEach(function (input) {
        input.parentNode.classList.remove("db-quiz__option--answer", "db-quiz__option--wrong");
      });
    }

    function refuseUnanswered(unanswered) {
      questions.forEach(clearMarks);
      unanswered.forEach(function (fieldset) {
        fieldset.classList.add("db-quiz__question--unanswered");
        fieldset.querySelector(".db-quiz__missing").hidden = false;
      });
      var numbers = unanswered.map(function (fieldset) { return questions.indexOf(fieldset) + 1; });
      result.textContent = "Not scored: answer " + listOfNumbers(numbers) + " first.";
      inputsOf(unanswered[0])[0].focus();
    }

    function markQuestion(fieldset, correct) {
      var right = sameSet(chosenValues(fieldset), correct);
      fieldset.classList.add(right ? "db-quiz__question--correct" : "db-quiz__question--incorrect");
      fieldset.querySelector(".db-quiz__verdict").textContent = right ? "Correct" : "Incorrect";
      fieldset.querySelector(".db-quiz__feedback").hidden = false;
      inputsOf(fieldset).forEach(function (input) {
        var isAnswer = correct.indexOf(input.value) !== -1;
        if (isAnswer) input.parentNode.classList.add("db-quiz__option--answer");
        else if (input.checked) input.parentNode.classList.add("db-quiz__option--wrong");
        input.disabled = true;
      });
      return right;
    }

    function submit(event) {
      event.preventDefault();
      var unanswered = questions.filter(function (fieldset) { return chosenValues(fieldset).length === 0; });
      if (unanswered.length) {
        refuseUnanswered(unanswered);
        return;
      }
      questions.forEach(clearMarks);
      var right = questions.filter(function (fieldset, index) {
        return markQuestion(fieldset, data.questions[index].correct);
      }).length;
      var score = scoreOf(right, questions.length);
      var passed = score >= data.passingScore;
      result.textContent = "Score: " + score + "% — " + (passed ? "Passed" : "Not passed") +
        " (passing score " + data.passingScore + "%)";
      root.classList.toggle("db-quiz--passed", passed);
      root.classList.toggle("db-quiz--not-passed", !passed);
      remember(score, passed);
      submitButton.hidden = true;
      retryButton.hidden = false;
      retryButton.focus();
    }

    function tryAgain() {
      questions.forEach(function (fieldset) {
        clearMarks(fieldset);
        inputsOf(fieldset).forEach(function (input) {
          input.checked = false;
          input.disabled = false;
        });
      });
      root.classList.remove("db-quiz--passed", "db-quiz--not-passed");
      result.textContent = "";
      shuffleOptions();
      retryButton.hidden = true;
      submitButton.hidden = false;
      inputsOf(questions[0])[0].focus();
    }

    function resetProgress() {
      saveRecord(key, null);
      showProgress(null, "Progress cleared.");
      progressText.focus();
    }

    form.addEventListener("submit", submit);
    form.addEventListener("change", function (event) {
      var fieldset = event.target.closest(".db-quiz__question");
      if (fieldset && fieldset.classList.contains("db-quiz__question--unanswered")) {
        fieldset.classList.remove("db-quiz__question--unanswered");
        fieldset.querySelector(".db-quiz__missing").hidden = true;
      }
    });
    retryButton.addEventListener("click", tryAgain);
    resetButton.addEventListener("click", resetProgress);
    shuffleOptions();
    showProgress(loadRecord(key));
  }

  function setUpAll() {
    Array.prototype.forEach.call(document.querySelectorAll(".db-quiz"), setUpQuiz);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUpAll);
  else setUpAll();
  /* With mkdocs-material's instant navigation, pages arrive through document$. */
  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(setUpAll);
})();
