package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.lambda.model.Runtime;

/**
 * A new version's code image is mounted while the version activates, so by the time it is Active its first invoke
 * finds the image mounted and only starts a sandbox.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class MountAheadTest extends ServerTest {
    private static final Pattern TREES_MADE = Pattern.compile("kindling_code_image_tree_seconds_count (\\S+)");

    @Test
    void anActiveVersionsImageIsAlreadyMountedAndItsFirstInvokeMountsNothing() throws Exception {
        byte[] zip = Zips.zip(new Zips.Entry("bootstrap", 0100755,
                ProvidedRuntimeBootstraps.SWISS_ARMY.getBytes(StandardCharsets.UTF_8)));
        String sha256 = HexFormat.of().formatHex(Base64.getDecoder().decode(
                lambda.createFunction(r -> r.functionName("ahead").runtime(Runtime.PROVIDED_AL2023)
                        .handler("function.handler").role(TestServer.ROLE).timeout(20).memorySize(128)
                        .code(c -> c.zipFile(Zips.sdk(zip)))).codeSha256()));
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName("ahead"));

        // Active means mounted: the mount happened before the state changed, not at the invoke.
        assertThat(erofsMountsOf(sha256)).isEqualTo(1);
        double madeBefore = treesMade();
        assertThat(madeBefore).isEqualTo(1);

        assertThat(ProvidedRuntimeBootstraps.probe(lambda, "ahead", "echo ran")).isEqualTo("ran\n");
        assertThat(treesMade()).isEqualTo(madeBefore);
        assertThat(erofsMountsOf(sha256)).isEqualTo(1);
    }

    private static double treesMade() throws Exception {
        String metrics = new KindlingCalls(server.endpoint()).getText("/kindling/2026-11-27/metrics");
        Matcher made = TREES_MADE.matcher(metrics);
        assertThat(made.find()).as(metrics).isTrue();
        return Double.parseDouble(made.group(1));
    }

    private static long erofsMountsOf(String sha256) throws Exception {
        String mountPoint = " " + server.dataDir.resolve("mounts/images").resolve(sha256) + " ";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(line -> line.contains(mountPoint) && line.contains(" - erofs ")).count();
    }
}
