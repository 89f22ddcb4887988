#!/bin/sh
# A second opinion on responses/apl/*.json from Amazon's static APL validator (npm: apl-suggester,
# the checker behind the APL authoring tool). Not part of the test suite: CI has no Node. Run by hand:
#   sh docs/apl-preview/suggester.sh
# Needs node and npm; installs apl-suggester once into a cache folder outside the repo.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${APL_SUGGESTER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cramp-coach-apl-suggester}
if [ ! -d "$work/node_modules/apl-suggester" ]; then
    mkdir -p "$work"
    (cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund apl-suggester@2024.2.0 >/dev/null)
fi
status=0
for doc in "$root"/responses/apl/*.json; do
    NODE_PATH="$work/node_modules" node -e '
        const { StaticAplTemplateValidator } = require("apl-suggester");
        const doc = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        const log = console.log;
        console.log = console.warn = console.error = () => {};  // "No mixin for component: Frame"
        new StaticAplTemplateValidator().validate(doc).then((found) => {
            console.log = log;
            for (const f of found) console.log(`${process.argv[1]}: ${f.level} ${f.path}: ${f.errorMessage}`);
            console.log(`${process.argv[1]}: ${found.length} finding(s) from apl-suggester`);
            process.exit(found.length ? 1 : 0);
        });
    ' "$doc" || status=1
done
exit $status
