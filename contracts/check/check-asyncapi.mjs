// Parses an AsyncAPI document with the official parser; prints its diagnostics as JSON and exits 1
// when any of them is an error (severity 0).
import { readFile } from "node:fs/promises";
import { Parser } from "@asyncapi/parser";

const file = process.argv[2];
const parser = new Parser();
const { document, diagnostics } = await parser.parse(await readFile(file, "utf8"));
const report = diagnostics.map((d) => ({ severity: d.severity, code: d.code, message: d.message, path: d.path }));
console.log(JSON.stringify({ parsed: document !== undefined, diagnostics: report }, null, 1));
process.exit(document !== undefined && !report.some((d) => d.severity === 0) ? 0 : 1);
