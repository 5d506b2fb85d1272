/** The API's error body as a JSON schema (OpenAPI and fast serialisation), shared by every resource. */
export const ERROR = {
  type: "object",
  properties: {
    error: { type: "string" },
    message: { type: "string" },
    request_id: { type: "string" },
    field: { type: "string" },
  },
} as const;
