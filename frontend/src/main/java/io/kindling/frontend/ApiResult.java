package io.kindling.frontend;

/**
 * What an operation answers: the status and a wire record (or null for an empty body), plus the
 * function the request was about, for the request log.
 */
record ApiResult(int status, Object body, String function) {}
