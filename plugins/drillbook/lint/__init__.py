"""The runbook lint: ShellCheck and drillbook's own rules on every shell block, drilled or not.

One core for every adapter: :mod:`shell_blocks` finds a page's bash, sh and shell blocks with
the drill's own parse, :mod:`shell_syntax` reads their commands, :mod:`rules` holds drillbook's
rules (DB100 to DB110), :mod:`samples` fills placeholders for :mod:`shellcheck`, which runs
ShellCheck in batches, :mod:`suppressions` applies ``disable=`` comments and the site's list,
and :mod:`linter` places each finding at the page's ``file:line:col``. The adapters are thin:
``drillbook lint`` (:mod:`command`, with :mod:`report` for text, JSON and SARIF) and the site
build (:mod:`site`, which any engine's plugin calls).
"""
