/**
 * Function logs, the Lambda way: every execution environment's stdout and stderr, line by line with a timestamp,
 * framed per invocation by the lines Lambda writes ({@code START}, {@code END}, {@code REPORT}), kept per function as
 * CloudWatch keeps the log group {@code /aws/lambda/<function>} with one log stream per environment.
 *
 * <p>API: {@link io.kindling.worker.logs.FunctionLogs} is the store (append, read with a
 * {@link io.kindling.worker.logs.LogCursor}, tail, wait for appends, delete);
 * {@link io.kindling.worker.logs.FunctionLogs#environment} gives the {@link io.kindling.worker.logs.EnvironmentLog} of
 * one environment, whose {@code output()} is the sandbox's output sink and whose {@code end} returns the
 * {@link io.kindling.worker.logs.LogTail} for {@code X-Amz-Log-Type: Tail}.
 * {@link io.kindling.worker.logs.PlatformLines} holds Lambda's exact wording.
 *
 * <p>On disk: {@code <root>/<function>/<segment>.log}, segments of one JSON object per line,
 * {@code {"t":<epoch ms>,"s":"<log stream>","m":"<message>"}}, size-bounded by
 * {@link io.kindling.worker.logs.LogLimits}. Readers skip a record torn by a crash; the next writer cuts it off.
 */
package io.kindling.worker.logs;
