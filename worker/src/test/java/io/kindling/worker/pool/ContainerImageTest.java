package io.kindling.worker.pool;

import static io.kindling.worker.pool.PoolHarness.failure;
import static io.kindling.worker.pool.PoolHarness.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.kindling.assignment.LifecycleSettings;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Container image functions (PackageType Image) over real bubblewrap sandboxes: the image ({@link TestImage}, built
 * from host files) is the sandbox's whole read-only root. Its bootstrap runs each event as a shell command and answers
 * with the output, so each check is what the function itself sees. Needs root, bwrap and curl, as every pool test.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ContainerImageTest extends PoolTest {
    private static final String ARN = "arn:aws:lambda:eu-west-1:123456789012:function:image-test";
    private static TestImage image;

    @BeforeAll
    static void buildImage() throws Exception {
        image = TestImage.build();
    }

    @AfterAll
    static void removeImage() throws Exception {
        if (image != null) {
            image.close();
        }
    }

    @Test
    void theImageIsTheWholeRootAndReadOnly() throws Exception {
        FunctionPool pool = pool(new ImageLaunch(List.of("/var/task/bootstrap"), "/srv/app", Map.of()), Map.of());

        assertThat(run(pool, "cat /etc/passwd")).as("the image's own, not the host's nor a generated one")
                .isEqualTo(TestImage.PASSWD);
        assertThat(run(pool, "cat /etc2/passwd")).as("a top-level link to /etc resolves inside the image")
                .isEqualTo(TestImage.PASSWD);
        assertThat(run(pool, "cat /image-release")).as("a top-level regular file").isEqualTo("kindling test image\n");
        assertThat(run(pool, "for p in /work /root /home /usr/lib/jvm /usr/bin/bash /var/task/bootstrap; do"
                + " if [ -e $p ]; then echo \"$p there\"; else echo \"$p absent\"; fi; done"))
                .isEqualTo("/work absent\n/root absent\n/home absent\n/usr/lib/jvm absent\n/usr/bin/bash absent\n"
                        + "/var/task/bootstrap there\n");
        assertThat(run(pool, "pwd")).as("the launch's working directory").isEqualTo("/srv/app\n");
        // /tmp: the sandbox's own sized tmpfs, writable; the image's /tmp is hidden.
        assertThat(run(pool, "echo written > /tmp/x && cat /tmp/x")).isEqualTo("written\n");
        assertThat(run(pool, "[ -e /tmp/from-the-image ] && echo there || echo absent")).isEqualTo("absent\n");
        assertThat(run(pool, "cat /proc/self/mounts")).containsPattern("(?m)^tmpfs /tmp tmpfs rw,.*size=16384k")
                .doesNotContain("/work", "/root");
        // Everything else read-only: bwrap's root, and every entry of the image.
        assertThat(run(pool, "echo x > /new; echo x > /srv/app/new; echo x > /var/task/new"))
                .contains("cannot create /new: Read-only file system")
                .contains("cannot create /srv/app/new: Read-only file system")
                .contains("cannot create /var/task/new: Read-only file system");
        // A setuid-root file does nothing: its effective uid stays the sandbox's.
        assertThat(run(pool, "/usr/bin/suidcat /proc/self/status")).containsPattern("(?m)^Uid:\\s+993\\s+993\\s+993\\s+993$");
    }

    @Test
    void variablesComeFromTheImageThenTheFunctionThenLambda() throws Exception {
        Map<String, String> imageEnv = new LinkedHashMap<>();
        imageEnv.put("FROM_IMAGE", "image");
        imageEnv.put("OVERRIDDEN", "image");
        imageEnv.put("AWS_LAMBDA_FUNCTION_NAME", "image-says");
        imageEnv.put("PATH", "/usr/local/bin:/usr/bin:/bin:/image/bin");
        imageEnv.put("BOOT", "/var/task/bootstrap");
        Map<String, String> functionEnv = new LinkedHashMap<>();
        functionEnv.put("OVERRIDDEN", "function");
        functionEnv.put("AWS_REGION", "function-says");
        // ${BOOT} is the image's shell syntax, never a placeholder of Kindling's: the command runs verbatim.
        FunctionPool pool = pool(new ImageLaunch(List.of("/bin/sh", "-c", "exec ${BOOT}"), "/", imageEnv), functionEnv);

        Map<String, String> env = Arrays.stream(run(pool, "cat /proc/self/environ").split("\0"))
                .map(pair -> pair.split("=", 2))
                .collect(Collectors.toMap(pair -> pair[0], pair -> pair[1]));

        assertThat(env).containsEntry("FROM_IMAGE", "image")
                .containsEntry("OVERRIDDEN", "function")
                .containsEntry("AWS_LAMBDA_FUNCTION_NAME", "image-test")
                .containsEntry("AWS_REGION", "eu-west-1")
                .containsEntry("PATH", "/usr/local/bin:/usr/bin:/bin:/image/bin")
                .containsEntry("_HANDLER", "app.handler")
                .containsEntry("LAMBDA_TASK_ROOT", "/var/task")
                .containsEntry("LAMBDA_RUNTIME_DIR", "/var/runtime")
                .containsEntry("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")
                .doesNotContainKey("AWS_EXECUTION_ENV");
        assertThat(run(pool, "pwd")).isEqualTo("/\n");
    }

    @Test
    void aMissingAbsoluteEntrypointIsAnInvalidEntrypointAndNothingStarts() throws Exception {
        FunctionPool pool = pool(new ImageLaunch(List.of("/app/run", "--serve"), "/", Map.of()), Map.of());

        InvokeOutcome.FunctionFailure initFailed = failure(PoolHarness.invoke(pool, "{}", ARN));

        assertThat(initFailed.errorType()).isEqualTo("Runtime.InvalidEntrypoint");
        assertThat(initFailed.bodyText()).endsWith(" Error: fork/exec /app/run: no such file or directory\"}");
        assertThat(PoolHarness.run("ip", "netns", "list")).doesNotContain(harness.prefix);
    }

    @Test
    void anEntrypointThatIsOnlyOnTheHostIsMissingInTheImage() throws Exception {
        // The host has bash; the image does not, and its check must not look on the host.
        FunctionPool pool = pool(new ImageLaunch(List.of("/usr/bin/bash"), "/", Map.of()), Map.of());

        assertThat(failure(PoolHarness.invoke(pool, "{}", ARN)).bodyText())
                .endsWith(" Error: fork/exec /usr/bin/bash: no such file or directory\"}");
    }

    @Test
    void anEntrypointLinkedInsideTheImageStarts() throws Exception {
        // usr/local/bin/entry -> /var/task/bootstrap: absolute, so it must resolve in the image, not on the host.
        FunctionPool pool = pool(new ImageLaunch(List.of("/usr/local/bin/entry"), "/", Map.of()), Map.of());

        assertThat(run(pool, "echo started through the link")).isEqualTo("started through the link\n");
    }

    @Test
    void aBareCommandNameIsFoundOnTheImagesPath() throws Exception {
        // Not judged from outside (no absolute path); bwrap's execvp finds it on the sandbox's PATH, inside the image.
        FunctionPool pool = pool(new ImageLaunch(List.of("sh", "-c", "exec /var/task/bootstrap"), "/", Map.of()), Map.of());

        assertThat(run(pool, "echo found")).isEqualTo("found\n");
    }

    private FunctionPool pool(ImageLaunch launch, Map<String, String> environment) {
        // 1,024 MB: more than half a core, so a check's shell and curl start quickly; /tmp stays 16 MB.
        FunctionVersionSpec function = FunctionVersionSpec.ofImage("image-test", "$LATEST", 1024, 16,
                Duration.ofSeconds(10), "app.handler", "eu-west-1", image.root, environment, launch);
        return harness.pool(function, LifecycleSettings.DEFAULTS);
    }

    /** Invokes with {@code command} as the event; the bootstrap answers with its output. */
    private static String run(FunctionPool pool, String command) throws Exception {
        String output = text(PoolHarness.invoke(pool, command, ARN));
        // The next invoke should find the environment warm, not start another.
        pool.settled().get(PoolHarness.WAIT_SECONDS, TimeUnit.SECONDS);
        return output;
    }
}
