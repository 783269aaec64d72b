// Validates Kubernetes manifests against the JSON schemas of kubernetes-models (generated from the
// Kubernetes OpenAPI specification; ajv checks required properties, types and formats).
// usage: node validate.mjs FILE.yaml...   (a kustomization.yaml: its resources must exist)
// Prints one line per object ("ok FILE Kind/name" or "ERROR FILE Kind/name: why"); exit 1 on any error.
import fs from "node:fs";
import path from "node:path";
import yaml from "js-yaml";

let errors = 0;
const report = (file, what, error) => {
  if (error) { errors++; console.log(`ERROR ${file} ${what}: ${error}`); }
  else console.log(`ok ${file} ${what}`);
};

for (const file of process.argv.slice(2)) {
  let documents;
  try {
    documents = yaml.loadAll(fs.readFileSync(file, "utf8")).filter((d) => d != null);
  } catch (e) {
    report(file, "(YAML)", e.message);
    continue;
  }
  for (const doc of documents) {
    const what = `${doc.kind}/${doc.metadata?.name ?? "?"}`;
    if (doc.kind === "Kustomization") {
      const missing = (doc.resources ?? []).filter((r) => !fs.existsSync(path.join(path.dirname(file), r)));
      report(file, "Kustomization", missing.length ? `resources not found: ${missing.join(", ")}` : null);
      continue;
    }
    if (typeof doc.apiVersion !== "string" || typeof doc.kind !== "string") {
      report(file, what, "no apiVersion or kind");
      continue;
    }
    // apps/v1 -> kubernetes-models/apps/v1/Deployment; the core group's v1 -> kubernetes-models/v1/Service
    let model;
    try {
      model = (await import(`kubernetes-models/${doc.apiVersion}/${doc.kind}`))[doc.kind];
    } catch {
      report(file, what, `unknown apiVersion/kind ${doc.apiVersion}/${doc.kind}`);
      continue;
    }
    try {
      new model(doc).validate();
      report(file, what, null);
    } catch (e) {
      report(file, what, e.message);
    }
  }
}
process.exit(errors ? 1 : 0);
