// validate.mjs FILE...: is each FILE a valid OpenAPI 3.1 document?
//
// 1. @seriousme/openapi-schema-validator checks it against the published
//    OpenAPI 3.1 JSON Schema and resolves every $ref.
// 2. That schema takes any object as a Schema Object, so each Schema
//    Object of the document is also checked against the JSON Schema
//    2020-12 meta-schema (ajv), and compiled with its $refs resolved.
//
// Prints one JSON line {"file", "valid", "version", "schemas", "errors"}
// per file; exit 0 when all are valid, 1 when one is not, 2 when it could
// not run.
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import { Validator } from "@seriousme/openapi-schema-validator";

const files = process.argv.slice(2);
if (files.length === 0) {
	console.error("usage: node validate.mjs FILE...");
	process.exit(2);
}
const validator = new Validator();
let allValid = true;
for (const file of files) {
	const out = await check(JSON.parse(readFileSync(file, "utf8")));
	console.log(JSON.stringify({ file, ...out }));
	allValid &&= out.valid;
}
process.exit(allValid ? 0 : 1);

async function check(doc) {
	const errors = [];
	const res = await validator.validate(structuredClone(doc));
	if (!res.valid)
		errors.push({ where: "OpenAPI 3.1 schema", errors: res.errors });
	else if (!String(validator.version).startsWith("3.1"))
		errors.push({ where: "version", errors: [validator.version] });
	else {
		try {
			validator.resolveRefs();
		} catch (e) {
			errors.push({ where: "$ref", errors: [String(e.message || e)] });
		}
	}

	// every Schema Object: under components/schemas, and each "schema"
	// of a parameter or media type, with its JSON pointer
	const schemas = [];
	const esc = (k) => String(k).replaceAll("~", "~0").replaceAll("/", "~1");
	for (const [k, s] of Object.entries(doc.components?.schemas ?? {}))
		schemas.push([`/components/schemas/${esc(k)}`, s]);
	(function walk(node, ptr) {
		if (node === null || typeof node !== "object") return;
		if (ptr.startsWith("/components/schemas")) return;
		for (const [k, v] of Object.entries(node)) {
			const p = `${ptr}/${esc(k)}`;
			if (k === "schema" && v !== null && typeof v === "object")
				schemas.push([p, v]);
			else walk(v, p);
		}
	})(doc, "");

	const ajv = new Ajv2020({ strict: false, allErrors: true,
		validateFormats: false });
	try {
		ajv.addSchema(doc, "urn:holdfast:openapi");
	} catch (e) {
		errors.push({ where: "document", errors: [String(e.message || e)] });
		return { valid: false, version: validator.version,
			schemas: schemas.length, errors };
	}
	for (const [ptr, s] of schemas) {
		if (!ajv.validateSchema(s))
			errors.push({ where: ptr, errors: ajv.errors });
		try {
			ajv.compile({ $ref: `urn:holdfast:openapi#${encodeURI(ptr)}` });
		} catch (e) {
			errors.push({ where: ptr, errors: [String(e.message || e)] });
		}
	}
	return { valid: errors.length === 0, version: validator.version,
		schemas: schemas.length, errors: errors.slice(0, 20) };
}
