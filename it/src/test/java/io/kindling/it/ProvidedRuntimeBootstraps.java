package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

/**
 * {@code provided.al2023} bootstraps in the style of the AWS custom runtime tutorial: sh + curl against the Runtime
 * API. They run in real sandboxes, so they only use what the sandbox root offers (the host's /usr).
 */
final class ProvidedRuntimeBootstraps {
    private ProvidedRuntimeBootstraps() {}

    /**
     * One bootstrap, many behaviours, chosen by the event's text:
     * <ul>
     *   <li>{@code count}: how many invocations this environment has served (shows warm reuse)
     *   <li>{@code whoami}: this environment's log stream name, unique per environment
     *   <li>{@code env:NAME}: the value of environment variable NAME
     *   <li>{@code header:NAME}: the value of the /next response header NAME (case-insensitive)
     *   <li>{@code sleep}: overruns any short timeout
     *   <li>{@code crash}: exits 3 mid-invocation
     *   <li>{@code fail}: reports a function error through /error
     *   <li>{@code big}: answers with 7,000,000 bytes (over the 6 MB response limit)
     *   <li>{@code hog}: allocates until the memory limit kills the allocating process, then exits 1
     *   <li>{@code probe:CMD}: runs CMD in the sandbox and answers with its output (isolation checks)
     *   <li>anything else: echoed back
     * </ul>
     */
    static final String SWISS_ARMY = """
            #!/bin/sh
            set -u
            API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01"
            COUNT=0
            while true; do
              curl -sS -f -o /tmp/event -D /tmp/headers "$API/runtime/invocation/next" || exit 1
              REQUEST_ID=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' /tmp/headers | cut -d' ' -f2 | tr -d '\\r\\n')
              COUNT=$((COUNT + 1))
              EVENT=$(cat /tmp/event)
              case "$EVENT" in
                '"count"') printf '%s' "$COUNT" > /tmp/answer ;;
                '"whoami"') printf '"%s"' "$AWS_LAMBDA_LOG_STREAM_NAME" > /tmp/answer ;;
                '"env:'*)
                  NAME=${EVENT#\\"env:}; NAME=${NAME%\\"}
                  printf '"%s"' "$(printenv "$NAME")" > /tmp/answer ;;
                '"header:'*)
                  NAME=${EVENT#\\"header:}; NAME=${NAME%\\"}
                  VALUE=$(grep -i "^$NAME:" /tmp/headers | cut -d' ' -f2- | tr -d '\\r\\n')
                  printf '%s' "$VALUE" | base64 -w0 | sed 's/.*/"&"/' > /tmp/answer ;;
                '"sleep"') sleep 60 ;;
                '"crash"') exit 3 ;;
                '"fail"')
                  curl -sS -f -o /dev/null -H "Lambda-Runtime-Function-Error-Type: Custom.Failure" \\
                    --data-binary '{"errorMessage":"it failed on purpose","errorType":"Custom.Failure","stackTrace":[]}' \\
                    "$API/runtime/invocation/$REQUEST_ID/error"
                  continue ;;
                '"big"') { printf '"'; head -c 7000000 /dev/zero | tr '\\0' a; printf '"'; } > /tmp/answer ;;
                # dd fills one 300 MB buffer: the cgroup OOM-kills it within a few page faults; the runtime gives up.
                '"hog"') dd if=/dev/zero of=/dev/null bs=300M count=1 2>/dev/null; exit 1 ;;
                '"probe:'*)
                  CMD=${EVENT#\\"probe:}; CMD=${CMD%\\"}
                  sh -c "$CMD" 2>&1 | base64 -w0 | sed 's/.*/"&"/' > /tmp/answer ;;
                *) cp /tmp/event /tmp/answer ;;
              esac
              curl -sS -f -o /dev/null --data-binary @/tmp/answer "$API/runtime/invocation/$REQUEST_ID/response" || exit 1
            done
            """;

    /** Reports an init error and exits, as a runtime that cannot load its handler does. */
    static final String INIT_ERROR = """
            #!/bin/sh
            curl -sS -f -o /dev/null -H "Lambda-Runtime-Function-Error-Type: Runtime.NoConfig" \\
              --data-binary '{"errorMessage":"config missing","errorType":"Runtime.NoConfig"}' \\
              "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/init/error"
            exit 1
            """;

    /**
     * Runs {@code command} in a sandbox of the {@link #SWISS_ARMY} function {@code name} and returns what it printed;
     * a function error fails the caller's test.
     */
    static String probe(LambdaClient lambda, String name, String command) {
        InvokeResponse response = lambda.invoke(r -> r.functionName(name)
                .payload(SdkBytes.fromUtf8String("\"probe:" + command + "\"")));
        assertThat(response.functionError()).as("the probe's function error").isNull();
        String quoted = response.payload().asUtf8String();
        return new String(Base64.getDecoder().decode(quoted.substring(1, quoted.length() - 1)),
                StandardCharsets.UTF_8);
    }

    /** A package whose executable bootstrap is {@code script}. */
    static byte[] zip(String script) {
        return Zips.zip(new Zips.Entry("bootstrap", 0100755, script.getBytes(StandardCharsets.UTF_8)));
    }
}
