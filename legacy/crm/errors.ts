/**
 * Salesforce answers every REST failure as a JSON array `[{"message","errorCode","fields"?}]`;
 * clients branch on `errorCode`. The stand-in throws these and renders them at the boundary.
 */
export class CrmError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields?: string[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'CrmError';
  }
}

export interface CrmErrorItem {
  message: string;
  errorCode: string;
  fields?: string[];
}

export function errorItems(error: CrmError): CrmErrorItem[] {
  return [
    error.fields === undefined
      ? { message: error.message, errorCode: error.errorCode }
      : { message: error.message, errorCode: error.errorCode, fields: error.fields },
  ];
}

export const malformedQuery = (message: string) => new CrmError(400, 'MALFORMED_QUERY', message);
export const invalidField = (message: string, fields?: string[]) =>
  new CrmError(400, 'INVALID_FIELD', message, fields);
export const invalidType = (message: string) => new CrmError(400, 'INVALID_TYPE', message);
export const notFound = (message = 'The requested resource does not exist') =>
  new CrmError(404, 'NOT_FOUND', message);
export const jsonParserError = (message: string) => new CrmError(400, 'JSON_PARSER_ERROR', message);
export const filterOperatorError = (message: string) =>
  new CrmError(400, 'INVALID_QUERY_FILTER_OPERATOR', message);

export function noSuchColumn(field: string, object: string): CrmError {
  return invalidField(
    `No such column '${field}' on entity '${object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
  );
}
