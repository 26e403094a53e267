// Types for the operations in src/operations.graphql, from the server's schema
// (../../schema.graphql, also served at /schema.graphql), with graphql-codegen.
import { readFileSync, writeFileSync } from "node:fs";
import { codegen } from "@graphql-codegen/core";
import * as typescript from "@graphql-codegen/typescript";
import * as operations from "@graphql-codegen/typescript-operations";
import { buildSchema, parse } from "graphql";

const schemaFile = process.env.ODX_SCHEMA ?? new URL("../../schema.graphql", import.meta.url);
const schema = buildSchema(readFileSync(schemaFile, "utf8"));
const document = parse(readFileSync(new URL("src/operations.graphql", import.meta.url), "utf8"));

const output = await codegen({
  filename: "src/generated.ts",
  schema: parse(readFileSync(schemaFile, "utf8")),
  schemaAst: schema,
  documents: [{ location: "src/operations.graphql", document }],
  config: {
    // Codes keep their schema spelling: RepairStatusCode.IN_PROGRESS, PriorityCode.P3.
    namingConvention: { enumValues: "keep" },
    scalars: { DateTime: "string", Date: "string", Decimal: "string" },
    avoidOptionals: true,
  },
  plugins: [{ typescript: {} }, { typescriptOperations: {} }],
  pluginMap: { typescript, typescriptOperations: operations },
});
writeFileSync(new URL("src/generated.ts", import.meta.url), output);
console.log("wrote src/generated.ts");
