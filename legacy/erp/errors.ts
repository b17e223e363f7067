/**
 * Business Central answers every failure as `{"error":{"code","message"}}`; clients branch on
 * the code family (BadRequest_*, Request_*, Internal_*, Application_*, Authentication_*), so
 * the stand-in throws these and renders them at the request boundary.
 */
export class ErpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ErpError';
  }
}

export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

export const badRequest = (message: string) => new ErpError(400, 'BadRequest', message);
export const invalidToken = (message: string) => new ErpError(400, 'BadRequest_InvalidToken', message);
export const notFound = (message: string) => new ErpError(404, 'BadRequest_NotFound', message);
export const segmentNotFound = (segment: string) =>
  new ErpError(404, 'BadRequest_NotFound', `Resource not found for the segment '${segment}'.`);
/** What AL's Error() surfaces as: a business rule refused the operation. */
export const dialog = (message: string) => new ErpError(400, 'Application_DialogException', message);
export const unknownProperty = (property: string, typeName: string) =>
  new ErpError(
    400,
    'BadRequest_NotFound',
    `Could not find a property named '${property}' on type 'Microsoft.NAV.${typeName}'.`,
  );
export const methodNotAllowed = (method: string, setName: string) =>
  new ErpError(
    405,
    'BadRequest_MethodNotAllowed',
    `'${method}' requests for '${setName}' of EdmType 'Entity' are not allowed within Dynamics 365 Business Central OData web services.`,
  );
