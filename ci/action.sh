#!/usr/bin/env bash
# The shell steps of harden's GitHub Action (action.yml), kept here so tests can run them
# against a local bare remote with a fake `gh`. Run in the repository to harden, with harden
# installed. Per priority in ACTION_PRIORITIES (comma-separated): `harden run`, then, when
# its branch holds commits, push it to origin as harden/<priority> (forced: each run starts
# again from the base) and open a pull request with report.md as its body, or update the one
# already open for that branch. Writes `branches` and `sarif` (a folder of
# <priority>.sarif) to $GITHUB_OUTPUT.
#
# Inputs (environment): ACTION_PRIORITIES (default security), ACTION_MODEL (default
# builtin), ACTION_BUDGET, ACTION_SINCE, ACTION_PR_BASE and ACTION_FALLBACK_BASE (the
# pull requests' base branch, see pr_base), ACTION_OPEN_PR (false: no push, no pull
# request); GH_TOKEN for gh; OPENAI_API_KEY / ANTHROPIC_API_KEY reach harden as they are.
set -euo pipefail

priorities="${ACTION_PRIORITIES:-security}"
model="${ACTION_MODEL:-builtin}"
open_pr="${ACTION_OPEN_PR:-true}"
output="${GITHUB_OUTPUT:-/dev/null}"
sarif_dir="${RUNNER_TEMP:-$(mktemp -d)}/harden-sarif"
mkdir -p "$sarif_dir"
pushed=()

# The value of `key` in the JSON object on stdin (a string; empty for null).
json_field() {
    python -c 'import json, sys; v = json.load(sys.stdin).get(sys.argv[1]); print(v or "")' "$1"
}

# The SARIF log on stdin with a category per priority (runs[].automationDetails.id), so
# that code scanning keeps each priority's results apart in one upload.
sarif_for() {
    python -c 'import json, sys
log = json.load(sys.stdin)
for run in log["runs"]:
    run["automationDetails"] = {"id": f"harden/{sys.argv[1]}/"}
json.dump(log, sys.stdout, indent=2)' "$1"
}

run_priority() {
    local priority="$1" args report run_dir branch
    args=(run --json --priority "$priority" --model "$model")
    if [[ -n "${ACTION_BUDGET:-}" ]]; then args+=(--budget "$ACTION_BUDGET"); fi
    if [[ -n "${ACTION_SINCE:-}" ]]; then args+=(--since "$ACTION_SINCE"); fi
    report="$(harden "${args[@]}" .)"
    run_dir=".harden/runs/$(json_field run_id <<<"$report")"
    branch="$(json_field branch <<<"$report")"
    sarif_for "$priority" <"$run_dir/findings.sarif" >"$sarif_dir/$priority.sarif"
    if [[ -z "$branch" ]] || [[ "$(git rev-list --count "HEAD..$branch")" == 0 ]]; then
        echo "harden: $priority: nothing fixed, no pull request"
        return
    fi
    if [[ "$open_pr" == "true" ]]; then
        publish "$priority" "$branch" "$run_dir/report.md"
    fi
}

# The pull requests' base: ACTION_PR_BASE, else the branch checked out, else
# ACTION_FALLBACK_BASE (the workflow's branch, for a detached checkout).
pr_base() {
    local checked_out
    checked_out="$(git symbolic-ref --short -q HEAD || true)"
    echo "${ACTION_PR_BASE:-${checked_out:-${ACTION_FALLBACK_BASE:?no base branch for the pull request}}}"
}

# Push `branch` as harden/<priority> and open or update its pull request.
publish() {
    local priority="$1" branch="$2" body="$3" head="harden/$1" number
    git push --force --quiet origin "refs/heads/$branch:refs/heads/$head"
    pushed+=("$head")
    number="$(gh pr list --head "$head" --state open --json number --jq '.[0].number')"
    if [[ -n "$number" ]]; then
        gh pr edit "$number" --body-file "$body"
        echo "harden: $priority: updated pull request #$number from $head"
    else
        gh pr create --head "$head" --base "$(pr_base)" \
            --title "harden: $priority fixes" --body-file "$body"
        echo "harden: $priority: opened a pull request from $head"
    fi
}

IFS=',' read -ra chosen <<<"$priorities"
for priority in "${chosen[@]}"; do
    priority="${priority//[[:space:]]/}"
    if [[ -n "$priority" ]]; then run_priority "$priority"; fi
done
{
    echo "sarif=$sarif_dir"
    echo "branches<<HARDEN_EOF"
    if ((${#pushed[@]})); then printf '%s\n' "${pushed[@]}"; fi
    echo "HARDEN_EOF"
} >>"$output"
