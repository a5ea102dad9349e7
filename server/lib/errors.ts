// Errors a domain operation throws; the one error handler turns them into a Chinese message
// page or fragment with the right status. Nothing has been written when one is thrown.

export class DomainError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** field → message, for re-rendering a form with its errors */
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, fields: Record<string, string> = {}) {
    super(message, 422, fields);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = "您没有权限执行此操作") {
    super(message, 403);
  }
}

export class NotFoundError extends DomainError {
  constructor(message = "未找到该记录，可能已被删除或您没有权限查看") {
    super(message, 404);
  }
}

/** A stale page or a second click: the record moved on since the form was drawn. */
export class ConflictError extends DomainError {
  constructor(message = "已被他人修改，请刷新页面后重试") {
    super(message, 409);
  }
}

export const STALE_MESSAGE = "已被他人修改，请刷新页面后重试";
