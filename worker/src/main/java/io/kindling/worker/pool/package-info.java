/**
 * Execution environments over real sandboxes: {@link io.kindling.worker.pool.ExecutionEnvironment} drives one
 * environment's {@link io.kindling.assignment.EnvironmentLifecycle} (one virtual thread per environment feeds it
 * events in order and runs the effects; the sandbox driver does its native blocking on its own platform threads),
 * and {@link io.kindling.worker.pool.FunctionPool} reuses the warm environments of one function version, provisioned
 * ones (initialized ahead of any invoke, kept at the requested count) first.
 *
 * <p>What an environment starts is a {@link io.kindling.worker.pool.Runtime}, data from
 * {@link io.kindling.worker.pool.Runtimes} ({@code runtimes/*.tsv} beside this package: the identifiers, and per
 * definition the root, the runtime directory seen at /var/runtime, the entrypoints checked before the start, the
 * command). Before a sandbox is created its runtime's entrypoint is judged on the host
 * ({@link io.kindling.worker.sandbox.SandboxFiles}); a missing one answers the first invocation with
 * {@code Runtime.InvalidEntrypoint}, as Lambda does.
 *
 * <p>A container image function ({@link io.kindling.worker.pool.FunctionVersionSpec#ofImage}) has no runtime of the
 * catalog: its {@link io.kindling.worker.pool.ImageLaunch} (ENTRYPOINT + CMD, WORKDIR, ENV) runs verbatim on the image
 * itself as the sandbox's whole read-only root ({@link io.kindling.worker.sandbox.ImageRoot}); its variables are the
 * image's ENV, overridden by the function's, overridden by Lambda's reserved ones.
 */
package io.kindling.worker.pool;
