/**
 * Execution environments over real sandboxes: {@link io.kindling.worker.pool.ExecutionEnvironment} drives one
 * environment's {@link io.kindling.assignment.EnvironmentLifecycle} (one virtual thread per environment feeds it
 * events in order and runs the effects; the sandbox driver does its native blocking on its own platform threads),
 * and {@link io.kindling.worker.pool.FunctionPool} reuses the warm environments of one function version.
 */
package io.kindling.worker.pool;
