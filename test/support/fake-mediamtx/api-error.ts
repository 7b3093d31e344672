/** An error the Control API answers with its status and `{"status":"error","error":message}` (`defs/api.go`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
