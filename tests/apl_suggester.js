// Amazon's static APL validator (npm: apl-suggester, the checker behind the APL authoring tool)
// over each document named on the command line: one JSON line per document,
// {"file": ..., "findings": [{"level", "path", "message"}]}. Installed by ./run into .node/.
const { StaticAplTemplateValidator } = require("apl-suggester");
const fs = require("fs");

async function main(files) {
  const say = console.log;
  console.log = console.warn = console.error = () => {};  // its chatter ("No mixin for ...")
  for (const file of files) {
    let findings;
    try {
      const doc = JSON.parse(fs.readFileSync(file, "utf8"));
      const found = await new StaticAplTemplateValidator().validate(doc);
      findings = found.map((f) => ({ level: f.level, path: f.path, message: f.errorMessage }));
    } catch (error) {
      findings = [{ level: "ERROR", path: "", message: String(error) }];
    }
    say(JSON.stringify({ file, findings }));
  }
}

main(process.argv.slice(2));
