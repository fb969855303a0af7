package io.kindling.worker.runtimeapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A custom runtime's {@code bootstrap} in the style of the AWS tutorial (sh + curl: poll /next, post the answer),
 * run as a real process against the server. Skipped where there is no curl.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShellBootstrapTest {
    private static final String BOOTSTRAP = """
            #!/bin/sh
            # Echo runtime: answers each event with itself; an event containing "boom" is reported as an error.
            set -eu
            API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01"
            while true; do
              curl -sS -f -o "$WORK/event" -D "$WORK/headers" "$API/runtime/invocation/next"
              REQUEST_ID=$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$WORK/headers" | cut -d' ' -f2 | tr -d '\\r\\n')
              if grep -q boom "$WORK/event"; then
                curl -sS -f -o /dev/null -H "Lambda-Runtime-Function-Error-Type: Custom.Boom" \\
                  --data-binary "boom happened" "$API/runtime/invocation/$REQUEST_ID/error"
              else
                curl -sS -f -o /dev/null --data-binary "@$WORK/event" "$API/runtime/invocation/$REQUEST_ID/response"
              fi
            done
            """;

    @TempDir
    Path work;

    @Test
    void aShellAndCurlBootstrapServesInvocations() throws Exception {
        Optional<Path> curl = onPath("curl");
        assertTrue(curl.isPresent() && Files.isExecutable(Path.of("/bin/sh")), "needs /bin/sh and curl: run bin/test as root");
        Path bootstrap = Files.writeString(work.resolve("bootstrap"), BOOTSTRAP);
        RuntimeApiChannel channel = new RuntimeApiChannel("shell", RuntimeApiListener.IGNORE);
        try (RuntimeApiServer server = RuntimeApiServer.start();
             RuntimeApiAttachment attachment = server.attach(RuntimeApiServerTest.loopbackListener(), channel)) {
            ProcessBuilder launch = new ProcessBuilder("/bin/sh", bootstrap.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(work.resolve("bootstrap.log").toFile());
            launch.environment().put("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + attachment.localPort());
            launch.environment().put("WORK", work.toString());
            Process process = launch.start();
            try {
                for (int i = 0; i < 20; i++) {
                    InvocationRequest invocation = Invocations.of("{\"n\":" + i + ",\"text\":\"héllo\"}");
                    RuntimeOutcome outcome = channel.deliver(invocation).get(10, TimeUnit.SECONDS);
                    assertThat(outcome).as(log()).isInstanceOf(RuntimeOutcome.Response.class);
                    assertThat(((RuntimeOutcome.Response) outcome).body()).isEqualTo(invocation.payload());
                }
                RuntimeOutcome failed = channel.deliver(Invocations.of("\"boom\"")).get(10, TimeUnit.SECONDS);
                RuntimeOutcome.FunctionError error = (RuntimeOutcome.FunctionError) failed;
                assertThat(error.errorType()).isEqualTo("Custom.Boom");
                assertThat(new ObjectMapper().readTree(error.body()).get("errorMessage").asText()).isEqualTo("boom happened");
            } finally {
                // The parked curl gets a 500 (or a closed connection), fails under -f, and set -e ends the script.
                attachment.close();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
            assertThat(process.exitValue()).as(log()).isNotZero();
        }
    }

    private String log() {
        try {
            return "bootstrap output:\n" + Files.readString(work.resolve("bootstrap.log"), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return "no bootstrap output";
        }
    }

    private static Optional<Path> onPath(String program) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator))
                .map(directory -> Path.of(directory, program))
                .filter(Files::isExecutable)
                .findFirst();
    }
}
