import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { FastifySchema } from "fastify";

/**
 * Route schema validation. Query strings, path parameters and headers arrive as text, so they are
 * coerced (`?limit=10` is a number); JSON bodies are not: `{"phone": 123}` is a 400 naming `phone`,
 * not silently the string "123" (CONTRACT: a field of the wrong type is a 400 naming the field).
 */
function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    coerceTypes: coerce ? "array" : false,
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
    strict: false,
  });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

const forText = makeAjv(true);
const forBody = makeAjv(false);

export function validatorCompiler({
  schema,
  httpPart,
}: {
  schema: FastifySchema;
  httpPart?: string;
}): ValidateFunction {
  return (httpPart === "body" ? forBody : forText).compile(schema as object);
}
