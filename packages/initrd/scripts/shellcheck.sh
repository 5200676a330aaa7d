#!/bin/sh
# Runs ShellCheck over every shell file of the init (runtime.md §1.2 item 1:
# nothing at severity `style` or above). Exit status: ShellCheck's.
set -eu
cd "$(dirname "$0")/../init"
# shellcheck disable=SC2046 # file names of this tree contain no blanks
exec shellcheck -x -S style init $(find lib -type f \( -name '*.sh' -o -path 'lib/ucvm/bin/*' -o -path 'lib/ucvm/hook-bin/*' \) | LC_ALL=C sort)
