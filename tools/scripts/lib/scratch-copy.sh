# Sourced by the check-*.sh scripts: a throwaway copy of the repository to run Nx in, so nothing
# they generate, build or cache ever lands in the real checkout.
#
#   scratch_copy            sets SCRATCH (the copy) and REPO (the real root); both SCRATCH and
#                           SCRATCH.aside (room outside the workspace) are removed on exit
#
# The copy holds the files git knows about (tracked, plus untracked but not ignored, so a
# developer's uncommitted work is checked as CI would see it once committed) and a symlink to the
# real node_modules. Nx's cache and workspace data are pinned inside the copy.

scratch_copy() {
  REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
  # Not under /tmp: jest.config.js ignores test paths containing /tmp/ (and /dist/, /files/),
  # which would make every test in the copy vanish.
  local base="${HUB_SCRATCH_DIR:-${XDG_CACHE_HOME:-${HOME:-$(dirname "$REPO")}/.cache}/hub-scratch}"
  mkdir -p "$base"
  SCRATCH="$(mktemp -d "$base/run.XXXXXX")"
  case "$SCRATCH/" in
    */tmp/* | */dist/* | */files/* | */node_modules/*)
      echo "scratch copy $SCRATCH is on a path jest ignores; set HUB_SCRATCH_DIR elsewhere" >&2
      rm -rf "$SCRATCH"
      return 1
      ;;
  esac
  # $SCRATCH.aside holds files moved out of the workspace, where Nx cannot see them.
  # shellcheck disable=SC2064
  trap "rm -rf '$SCRATCH' '$SCRATCH.aside'" EXIT

  if git -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # --cached lists files deleted in the working tree too; rsync skips those with a warning,
    # so keep only the ones that exist.
    (cd "$REPO" && git ls-files -z --cached --others --exclude-standard |
      while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
      rsync -a --from0 --files-from=- ./ "$SCRATCH/")
  else
    rsync -a --exclude node_modules --exclude dist --exclude tmp --exclude .nx --exclude coverage "$REPO/" "$SCRATCH/"
  fi
  ln -s "$REPO/node_modules" "$SCRATCH/node_modules"

  export NX_DAEMON=false NX_NO_CLOUD=true NX_INTERACTIVE=false
  export NX_CACHE_DIRECTORY="$SCRATCH/.nx/cache" NX_WORKSPACE_DATA_DIRECTORY="$SCRATCH/.nx/workspace-data"
}
