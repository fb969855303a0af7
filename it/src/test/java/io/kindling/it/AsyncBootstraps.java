package io.kindling.it;

import java.util.Map;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.Runtime;

/** A {@code provided.al2023} bootstrap for async tests: it logs every event it gets, so tests read what ran. */
final class AsyncBootstraps {
    private AsyncBootstraps() {}

    /**
     * Logs {@code EVENT <payload>} (one line: payloads here are compact JSON), then fails through /error when the
     * payload contains {@code "fail"} or the function's variable {@code FAILING} is 1, sleeps a second first when it
     * contains {@code "slow"}, and otherwise echoes the payload back.
     */
    static final String RECORDING = """
            #!/bin/sh
            set -u
            API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01"
            while true; do
              curl -sS -f -o /tmp/event -D /tmp/headers "$API/runtime/invocation/next" || exit 1
              REQUEST_ID=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' /tmp/headers | cut -d' ' -f2 | tr -d '\\r\\n')
              EVENT=$(cat /tmp/event)
              echo "EVENT $EVENT"
              case "$EVENT" in *'"slow"'*) sleep 1 ;; esac
              case "$EVENT" in *'"fail"'*) FAIL=1 ;; *) FAIL=${FAILING:-0} ;; esac
              if [ "$FAIL" = 1 ]; then
                curl -sS -f -o /dev/null -H "Lambda-Runtime-Function-Error-Type: Custom.Failure" \\
                  --data-binary '{"errorMessage":"it failed on purpose","errorType":"Custom.Failure"}' \\
                  "$API/runtime/invocation/$REQUEST_ID/error"
                continue
              fi
              curl -sS -f -o /dev/null --data-binary @/tmp/event "$API/runtime/invocation/$REQUEST_ID/response" || exit 1
            done
            """;

    static byte[] zip() {
        return ProvidedRuntimeBootstraps.zip(RECORDING);
    }

    /** Creates a {@code provided.al2023} function running {@link #RECORDING} and waits until it is Active. */
    static void deploy(LambdaClient lambda, String name, int memoryMb, Map<String, String> env) {
        lambda.createFunction(r -> r.functionName(name).runtime(Runtime.PROVIDED_AL2023).handler("bootstrap")
                .role(TestServer.ROLE).timeout(10).memorySize(memoryMb).environment(e -> e.variables(env))
                .code(c -> c.zipFile(Zips.sdk(zip()))));
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName(name));
    }
}
