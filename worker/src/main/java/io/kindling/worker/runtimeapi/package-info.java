/**
 * The Lambda Runtime API ({@code 2018-06-01}) served to each execution environment, and the hand-off between an
 * invocation and the runtime.
 *
 * <p>Public surface: {@link io.kindling.worker.runtimeapi.RuntimeApiServer} (one per worker) to which each sandbox
 * {@link io.kindling.worker.runtimeapi.RuntimeApiServer#attach attaches} the listener it bound in its namespace,
 * getting a {@link io.kindling.worker.runtimeapi.RuntimeApiAttachment}; a
 * {@link io.kindling.worker.runtimeapi.RuntimeApiChannel} per environment, through which the worker
 * {@link io.kindling.worker.runtimeapi.RuntimeApiChannel#deliver delivers} an
 * {@link io.kindling.worker.runtimeapi.InvocationRequest} and gets a
 * {@link io.kindling.worker.runtimeapi.RuntimeOutcome}; and the
 * {@link io.kindling.worker.runtimeapi.RuntimeApiListener} the worker implements to follow the runtime.
 *
 * <p>Trust: everything arriving here comes from function code. Bodies are capped at 6,291,556 bytes, connections per
 * environment are capped, and a request only ever reaches the channel of the listener it connected to.
 */
package io.kindling.worker.runtimeapi;
