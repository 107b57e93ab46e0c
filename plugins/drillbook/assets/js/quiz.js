/* Lesson quiz: scoring, feedback, shuffling and the saved best result.
 *
 * The markup comes from components/quiz.html; the answers from the JSON in its
 * .db-quiz__data script element. Text is only ever set with textContent.
 * After scoring, the score takes the focus (so it scrolls into view) and names each
 * missed question with the answer given, linked to it; each missed question names the
 * answer given beside the right one. "Retry the ones I missed" keeps the right answers;
 * "Start over" clears them all.
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
    var again = root.querySelector(".db-quiz__again");
    var retryMissedButton = root.querySelector(".db-quiz__retry-missed");
    var retryButton = root.querySelector(".db-quiz__retry");
    var result = root.querySelector(".db-quiz__result");
    var review = root.querySelector(".db-quiz__review");
    var reviewTitle = root.querySelector(".db-quiz__review-title");
    var missedList = root.querySelector(".db-quiz__missed");
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

    function chosenLabels(fieldset) {
      return inputsOf(fieldset).filter(function (input) { return input.checked; })
        .map(function (input) { return input.parentNode.querySelector("label").textContent; });
    }

    function isKept(fieldset) {
      return fieldset.classList.contains("db-quiz__question--kept");
    }

    function shuffleOptions(fieldsets) {
      if (!data.shuffle) return;
      fieldsets.forEach(function (fieldset) {
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
      fieldset.querySelector(".db-quiz__chosen").hidden = true;
      fieldset.querySelector(".db-quiz__chosen").textContent = "";
      fieldset.querySelector(".db-quiz__back").hidden = true;
      inputsOf(fieldset).forEach(function (input) {
        input.parentNode.classList.remove("db-quiz__option--answer", "db-quiz__option--wrong");
      });
    }

    function refuseUnanswered(unanswered) {
      questions.filter(function (fieldset) { return !isKept(fieldset); }).forEach(clearMarks);
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
      if (!right) showChosen(fieldset);
      return right;
    }

    /* Beside a missed question: the answer given, then (in the markup) the right one. */
    function showChosen(fieldset) {
      var chosen = fieldset.querySelector(".db-quiz__chosen");
      var labels = chosenLabels(fieldset);
      if (labels.length === 1) {
        chosen.textContent = "Your answer: " + labels[0];
      } else {
        chosen.appendChild(document.createTextNode("Your answers:"));
        var list = document.createElement("ul");
        labels.forEach(function (label) {
          var item = document.createElement("li");
          item.textContent = label;
          list.appendChild(item);
        });
        chosen.appendChild(list);
      }
      chosen.hidden = false;
      fieldset.querySelector(".db-quiz__back").hidden = false;
    }

    /* Under the score: each missed question, linked, with the answer given. */
    function showReview(missed) {
      missedList.textContent = "";
      review.hidden = missed.length === 0;
      if (!missed.length) return;
      reviewTitle.textContent = missed.length === 1 ? "You missed 1 question:" : "You missed " + missed.length + " questions:";
      missed.forEach(function (fieldset) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = "#" + fieldset.id;
        link.textContent = "Question " + (questions.indexOf(fieldset) + 1);
        item.appendChild(link);
        item.appendChild(document.createTextNode(": you answered " + chosenLabels(fieldset).join("; ")));
        missedList.appendChild(item);
      });
    }

    function showAnswering() {
      root.classList.remove("db-quiz--passed", "db-quiz--not-passed");
      result.textContent = "";
      showReview([]);
      again.hidden = true;
      submitButton.hidden = false;
    }

    function submit(event) {
      event.preventDefault();
      var unanswered = questions.filter(function (fieldset) { return chosenValues(fieldset).length === 0; });
      if (unanswered.length) {
        refuseUnanswered(unanswered);
        return;
      }
      questions.forEach(function (fieldset) {
        clearMarks(fieldset);
        fieldset.classList.remove("db-quiz__question--kept");
      });
      var missed = questions.filter(function (fieldset, index) {
        return !markQuestion(fieldset, data.questions[index].correct);
      });
      var right = questions.length - missed.length;
      var score = scoreOf(right, questions.length);
      var passed = score >= data.passingScore;
      result.textContent = "Score: " + score + "% — " + (passed ? "Passed" : "Not passed") +
        " (passing score " + data.passingScore + "%)";
      root.classList.toggle("db-quiz--passed", passed);
      root.classList.toggle("db-quiz--not-passed", !passed);
      remember(score, passed);
      showReview(missed);
      submitButton.hidden = true;
      again.hidden = false;
      retryMissedButton.hidden = missed.length === 0;
      result.focus();  // brings the score into view, read out with what was missed
    }

    function reopen(fieldsets) {
      fieldsets.forEach(function (fieldset) {
        clearMarks(fieldset);
        fieldset.classList.remove("db-quiz__question--kept");
        inputsOf(fieldset).forEach(function (input) {
          input.checked = false;
          input.disabled = false;
        });
      });
      shuffleOptions(fieldsets);
      showAnswering();
      inputsOf(fieldsets[0])[0].focus();
    }

    function startOver() {
      reopen(questions);
    }

    /* The right answers stay, locked and marked; only the missed questions open again. */
    function retryMissed() {
      var missed = questions.filter(function (fieldset) { return fieldset.classList.contains("db-quiz__question--incorrect"); });
      if (!missed.length) return;
      questions.forEach(function (fieldset) {
        if (missed.indexOf(fieldset) < 0) fieldset.classList.add("db-quiz__question--kept");
      });
      reopen(missed);
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
    retryButton.addEventListener("click", startOver);
    retryMissedButton.addEventListener("click", retryMissed);
    resetButton.addEventListener("click", resetProgress);
    shuffleOptions(questions);
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
