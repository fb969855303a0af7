package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the real AWS CLI ({@code aws} on PATH) against one Kindling endpoint, with the test key in
 * its environment and no config or credentials file of the user's in the way.
 */
final class AwsCli {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TIMEOUT_SECONDS = 60;

    /** What one invocation did. */
    record Result(List<String> command, int exitCode, String stdout, String stderr) {
        /** stdout as JSON; a command with nothing to print (DeleteAlias and the like) reads as {@code {}}. */
        JsonNode json() {
            if (stdout.isBlank()) {
                return JSON.createObjectNode();
            }
            try {
                return JSON.readTree(stdout);
            } catch (IOException e) {
                throw new AssertionError("stdout of " + this + " is not JSON", e);
            }
        }

        @Override
        public String toString() {
            return String.join(" ", command) + "\n  exit code: " + exitCode + "\n  stdout: " + stdout.strip()
                    + "\n  stderr: " + stderr.strip();
        }
    }

    private final String executable;
    private final String endpoint;
    private final Path workDir;
    private final String accessKey;
    private final String secretKey;
    private final AtomicInteger invocations = new AtomicInteger();

    private AwsCli(String executable, String endpoint, Path workDir, String accessKey, String secretKey) {
        this.executable = executable;
        this.endpoint = endpoint;
        this.workDir = workDir;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    /** The CLI at {@code executable} with the test key. */
    static AwsCli forServer(String executable, TestServer server, Path workDir) {
        return new AwsCli(executable, server.endpoint(), workDir, TestServer.ACCESS_KEY, TestServer.SECRET_KEY);
    }

    /** The same CLI signing with other credentials. */
    AwsCli withCredentials(String otherAccessKey, String otherSecretKey) {
        return new AwsCli(executable, endpoint, workDir, otherAccessKey, otherSecretKey);
    }

    /** Debian's AWS CLI v2, which bin/test installs when it is missing; AwsCliTest never runs without it. */
    static final Path DEBIAN_CLI_V2 = Path.of("/usr/bin/aws");

    /**
     * Every distinct AWS CLI to drive: Debian's v2 always (a failure, never a skip, when it is
     * missing), and the {@code aws} first on PATH when it is another installation (here, v1 from pip).
     */
    static List<String> executables() {
        List<String> found = new ArrayList<>();
        if (!Files.isExecutable(DEBIAN_CLI_V2)) {
            fail("The AWS CLI v2 (Debian package awscli, /usr/bin/aws) is missing; AwsCliTest drives the real CLI"
                    + " and is not skipped. Run bin/test as root, which installs it, or apt-get install awscli.");
        }
        found.add(DEBIAN_CLI_V2.toString());
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        for (String entry : path.split(File.pathSeparator)) {
            Path candidate = entry.isEmpty() ? null : Path.of(entry, "aws");
            if (candidate != null && Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                if (!sameFile(candidate, DEBIAN_CLI_V2)) {
                    found.add(candidate.toString());
                }
                break;
            }
        }
        return found;
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** {@code aws lambda <args> --endpoint-url <server> --output json}, within 60 seconds. */
    Result lambda(String... args) {
        List<String> command = new ArrayList<>();
        command.add(executable);
        command.add("lambda");
        command.addAll(List.of(args));
        command.addAll(List.of("--endpoint-url", endpoint, "--output", "json"));
        return run(command);
    }

    /** Runs a lambda command and asserts it succeeded. */
    Result ok(String... args) {
        Result result = lambda(args);
        assertThat(result.exitCode()).as("aws CLI failed:\n%s", result).isZero();
        return result;
    }

    /** Runs a lambda command, asserts it succeeded and returns its JSON output. */
    JsonNode json(String... args) {
        return ok(args).json();
    }

    private Result run(List<String> command) {
        int n = invocations.incrementAndGet();
        Path stdout = workDir.resolve("aws-cli-" + n + ".out");
        Path stderr = workDir.resolve("aws-cli-" + n + ".err");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
        Map<String, String> env = builder.environment();
        // Nothing of the user's AWS setup may leak in: no profile, session token, region or CA bundle.
        env.keySet().removeIf(name -> name.startsWith("AWS_"));
        env.put("AWS_ACCESS_KEY_ID", accessKey);
        env.put("AWS_SECRET_ACCESS_KEY", secretKey);
        env.put("AWS_DEFAULT_REGION", TestServer.REGION);
        env.put("AWS_CONFIG_FILE", workDir.resolve("no-such-aws-config").toString());
        env.put("AWS_SHARED_CREDENTIALS_FILE", workDir.resolve("no-such-aws-credentials").toString());
        env.put("AWS_PAGER", "");
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        try {
            Process process = builder.start();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                return fail("aws CLI did not finish within " + TIMEOUT_SECONDS + " s: " + String.join(" ", command)
                        + "\n  stderr so far: " + read(stderr));
            }
            return new Result(command, process.exitValue(), read(stdout), read(stderr));
        } catch (IOException e) {
            throw new AssertionError("could not run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + command, e);
        }
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}
