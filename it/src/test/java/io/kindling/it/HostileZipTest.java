package io.kindling.it;

import static io.kindling.it.ValidationSupport.assertInvalidParameter;
import static org.assertj.core.api.Assertions.assertThat;

import io.kindling.it.Zips.Entry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.lambda.model.CreateFunctionResponse;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;
import software.amazon.awssdk.services.lambda.model.LastUpdateStatus;
import software.amazon.awssdk.services.lambda.model.Runtime;
import software.amazon.awssdk.services.lambda.model.State;

/**
 * Hostile deployment packages through CreateFunction and UpdateFunctionCode: each is refused with
 * InvalidParameterValueException naming the problem, and neither the account, the existing function nor the
 * data directory changes. An honest package with internal links is accepted and unpacked as it was zipped.
 */
class HostileZipTest extends ServerTest {
    private static final long MIB = 1L << 20;
    private static final String UNZIPPED_LIMIT = "Unzipped size must be smaller than 262144000 bytes";
    private static final String NOT_A_ZIP = "Could not unzip uploaded file. Please check your file, then try to upload again.";
    private static final String VICTIM = "victim";

    private static final AtomicInteger counter = new AtomicInteger();

    @BeforeAll
    static void createVictim() {
        create(VICTIM, Zips.bootstrap("victim"));
        lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName(VICTIM));
    }

    static CreateFunctionResponse create(String name, byte[] zip) {
        return lambda.createFunction(r -> r.functionName(name).runtime(Runtime.PROVIDED_AL2023).handler("bootstrap")
                .role(TestServer.ROLE).code(c -> c.zipFile(Zips.sdk(zip))));
    }

    static Stream<Arguments> hostilePackages() {
        return Stream.of(
                hostile("random bytes", () -> HostileZips.randomBytes(4096, 42), NOT_A_ZIP),
                hostile("empty ZipFile", () -> new byte[0], NOT_A_ZIP),
                hostile("entry ../evil", () -> Zips.zip(Entry.file("../evil", "x")),
                        "unsafe path '../evil': it contains a '..' segment"),
                hostile("entry a/../../evil", () -> Zips.zip(Entry.file("a/../../evil", "x")),
                        "unsafe path 'a/../../evil': it contains a '..' segment"),
                hostile("entry /etc/passwd", () -> Zips.zip(Entry.file("/etc/passwd", "root::0:0::/root:/bin/sh")),
                        "unsafe path '/etc/passwd': it is an absolute path"),
                // A name with no '/' would have its '\\' turned into '/' by commons-compress itself.
                hostile("entry a/..\\..\\evil", () -> Zips.zip(Entry.file("a/..\\..\\evil", "x")),
                        "unsafe path 'a/..\\..\\evil': it contains a backslash"),
                hostile("symlink to /etc/passwd", () -> Zips.zip(bootstrap(), Entry.symlink("link", "/etc/passwd")),
                        "The symbolic link 'link' points to '/etc/passwd', which is outside the package"),
                hostile("symlink to ../../x", () -> Zips.zip(bootstrap(), Entry.symlink("link", "../../x")),
                        "The symbolic link 'link' points to '../../x', which is outside the package"),
                hostile("symlink escaping through another link", () -> Zips.zip(bootstrap(),
                                new Entry("d/", 040755, new byte[0]), Entry.symlink("d/parent", ".."),
                                Entry.symlink("d/escape", "parent/..")),
                        "The symbolic link 'd/escape' points to 'parent/..', which is outside the package"),
                hostile("zip bomb of 300 MiB", () -> Zips.bomb(300 * MIB), UNZIPPED_LIMIT),
                hostile("26 entries of 10 MiB", () -> HostileZips.manyZeroEntries(26, 10 * MIB), UNZIPPED_LIMIT),
                hostile("300 MiB entry declaring 1024 bytes",
                        () -> HostileZips.withDeclaredSize(Zips.bomb(300 * MIB), "zeros", 1024),
                        "The zip file entry 'zeros' is corrupt: it contains more data than its declared size of 1024 bytes"),
                hostile("entry declaring more than it holds",
                        () -> HostileZips.withDeclaredSize(Zips.zip(Entry.file("data", "d".repeat(1000))), "data", 5000),
                        "The zip file entry 'data' is corrupt: it contains 1000 bytes but declares 5000"),
                hostile("duplicate entries", () -> Zips.zip(bootstrap(), bootstrap()),
                        "The zip file contains the path 'bootstrap' more than once."),
                hostile("entry inside a file", () -> Zips.zip(Entry.file("lib", "x"), Entry.file("lib/y", "y")),
                        "The zip file entry 'lib/y' is inside 'lib', which is a file in the same package."),
                hostile("character device", () -> Zips.zip(new Entry("tty", 0020666, new byte[0])),
                        "The zip file entry 'tty' is not supported: it is a character device."));
    }

    private static Arguments hostile(String label, Supplier<byte[]> zip, String message) {
        return Arguments.of(label, zip, message);
    }

    private static Entry bootstrap() {
        return new Entry("bootstrap", 0100755, "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostilePackages")
    void hostilePackageIsRefusedAndChangesNothing(String label, Supplier<byte[]> build, String message) {
        byte[] zip = build.get();
        assertThat(zip.length).as("hostile zips stay small").isLessThan(2 * (int) MIB);
        String name = "hostile-" + counter.incrementAndGet();
        ValidationSupport.State before = ValidationSupport.State.of(lambda, server.dataDir);
        var victimBefore = lambda.getFunctionConfiguration(r -> r.functionName(VICTIM));

        assertInvalidParameter(() -> create(name, zip), message);
        assertInvalidParameter(() -> lambda.updateFunctionCode(r -> r.functionName(VICTIM).zipFile(Zips.sdk(zip))), message);
        assertInvalidParameter(() -> lambda.updateFunctionCode(r -> r.functionName(VICTIM).zipFile(Zips.sdk(zip))
                .publish(true)), message);

        ValidationSupport.State after = ValidationSupport.State.of(lambda, server.dataDir);
        assertThat(after).isEqualTo(before);
        assertThat(after.functions()).doesNotContain(name);
        assertThat(ValidationSupport.packagePath(server.dataDir, zip)).doesNotExist();
        assertThat(after.stagingFiles()).isEmpty();
        var victimAfter = lambda.getFunctionConfiguration(r -> r.functionName(VICTIM));
        // toString covers every member; equals would also compare the HTTP response metadata.
        assertThat(victimAfter.toString()).isEqualTo(victimBefore.toString());
        assertThat(victimAfter.state()).isEqualTo(State.ACTIVE);
        assertThat(victimAfter.lastUpdateStatus()).isEqualTo(LastUpdateStatus.SUCCESSFUL);
        assertThat(lambda.listVersionsByFunction(r -> r.functionName(VICTIM)).versions())
                .extracting(FunctionConfiguration::version).containsExactly("$LATEST");
    }

    @Test
    void packageWithInternalLinksAndAnExecutableBootstrapIsAcceptedAndUnpackedAsZipped() throws Exception {
        byte[] zip = Zips.zip(
                new Entry("bootstrap", 0100755, "#!/bin/sh\nexec ./lib/run.sh\n".getBytes(StandardCharsets.UTF_8)),
                new Entry("lib/", 040755, new byte[0]),
                new Entry("lib/run.sh", 0100755, "#!/bin/sh\ncat ./current/data.txt\n".getBytes(StandardCharsets.UTF_8)),
                Entry.file("lib/real.txt", "real"),
                Entry.symlink("lib/data.txt", "real.txt"),
                Entry.symlink("current", "lib"),
                Entry.symlink("via-link", "current/../lib/real.txt"));
        ValidationSupport.State before = ValidationSupport.State.of(lambda, server.dataDir);

        CreateFunctionResponse created = create("linked", zip);
        assertThat(created.sdkHttpResponse().statusCode()).isEqualTo(201);
        assertThat(created.codeSize()).isEqualTo(zip.length);
        var active = lambda.waiter().waitUntilFunctionActiveV2(r -> r.functionName("linked")).matched().response()
                .orElseThrow().configuration();
        assertThat(active.state()).isEqualTo(State.ACTIVE);
        assertThat(active.lastUpdateStatus()).isEqualTo(LastUpdateStatus.SUCCESSFUL);

        ValidationSupport.State after = ValidationSupport.State.of(lambda, server.dataDir);
        assertThat(after.functionCount()).isEqualTo(before.functionCount() + 1);
        assertThat(after.totalCodeSize()).isEqualTo(before.totalCodeSize() + zip.length);
        assertThat(ValidationSupport.packagePath(server.dataDir, zip)).exists().hasBinaryContent(zip);

        Path tree = server.dataDir.resolve("code").resolve("unpacked").resolve(ValidationSupport.sha256Hex(zip));
        assertThat(Files.getPosixFilePermissions(tree.resolve("bootstrap"))).contains(PosixFilePermission.OWNER_EXECUTE);
        assertThat(Files.getPosixFilePermissions(tree.resolve("lib/run.sh"))).contains(PosixFilePermission.OWNER_EXECUTE);
        assertThat(Files.readSymbolicLink(tree.resolve("lib/data.txt"))).isEqualTo(Path.of("real.txt"));
        assertThat(Files.readSymbolicLink(tree.resolve("current"))).isEqualTo(Path.of("lib"));
        assertThat(Files.readString(tree.resolve("current/data.txt"))).isEqualTo("real");
        assertThat(Files.readString(tree.resolve("via-link"))).isEqualTo("real");

        // The same shape is accepted as an update too.
        byte[] update = Zips.zip(bootstrap(), Entry.file("v2/real.txt", "two"), Entry.symlink("latest", "v2/real.txt"));
        lambda.updateFunctionCode(r -> r.functionName("linked").zipFile(Zips.sdk(update)));
        var updated = lambda.waiter().waitUntilFunctionUpdatedV2(r -> r.functionName("linked")).matched().response()
                .orElseThrow().configuration();
        assertThat(updated.lastUpdateStatus()).isEqualTo(LastUpdateStatus.SUCCESSFUL);
        assertThat(updated.codeSize()).isEqualTo(update.length);
    }
}
