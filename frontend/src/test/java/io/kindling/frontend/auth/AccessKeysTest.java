package io.kindling.frontend.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessKeysTest {
    @TempDir
    Path dataDir;

    @Test
    void firstStartGeneratesAKeyPairInAnOwnerOnlyCredentialsFile() throws IOException {
        AccessKeys.Loaded loaded = AccessKeys.loadOrGenerate(dataDir);

        assertThat(loaded.generated()).isTrue();
        assertThat(loaded.file()).isEqualTo(dataDir.resolve("credentials"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(loaded.file()))).isEqualTo("rw-------");
        String id = loaded.keys().accessKeyIds().iterator().next();
        assertThat(loaded.keys().accessKeyIds()).hasSize(1);
        assertThat(id).matches("AKIA[A-Z2-7]{16}");
        assertThat(loaded.keys().secretFor(id)).hasValueSatisfying(secret -> assertThat(secret).hasSize(40));
    }

    @Test
    void theGeneratedFileIsASharedCredentialsFileUnderTheKindlingProfile() throws IOException {
        AccessKeys.Loaded loaded = AccessKeys.loadOrGenerate(dataDir);
        String id = loaded.keys().accessKeyIds().iterator().next();
        String secret = loaded.keys().secretFor(id).orElseThrow();

        assertThat(Files.readAllLines(loaded.file())).contains("[kindling]",
                "aws_access_key_id = " + id, "aws_secret_access_key = " + secret);
        AccessKeys reread = AccessKeys.fromCredentialsFile(loaded.file());
        assertThat(reread.accessKeyIds()).containsExactly(id);
        assertThat(reread.secretFor(id)).contains(secret);
    }

    @Test
    void laterStartsLoadTheSameKeysAndLeaveNoTemporaryFiles() throws IOException {
        AccessKeys.Loaded first = AccessKeys.loadOrGenerate(dataDir);
        AccessKeys.Loaded second = AccessKeys.loadOrGenerate(dataDir);

        assertThat(second.generated()).isFalse();
        String id = first.keys().accessKeyIds().iterator().next();
        assertThat(second.keys().accessKeyIds()).containsExactly(id);
        assertThat(second.keys().secretFor(id)).isEqualTo(first.keys().secretFor(id));
        try (Stream<Path> files = Files.list(dataDir)) {
            assertThat(files).containsExactly(dataDir.resolve("credentials"));
        }
    }

    @Test
    void eachGenerationMakesADifferentKey() throws IOException {
        AccessKeys a = AccessKeys.loadOrGenerate(dataDir.resolve("a")).keys();
        AccessKeys b = AccessKeys.loadOrGenerate(dataDir.resolve("b")).keys();

        assertThat(a.accessKeyIds()).doesNotContainAnyElementsOf(b.accessKeyIds());
    }

    @Test
    void anExistingFileReadableByOthersIsTightenedOnLoad() throws IOException {
        Path file = dataDir.resolve("credentials");
        Files.writeString(file, "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = s3cret\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        AccessKeys.Loaded loaded = AccessKeys.loadOrGenerate(dataDir);

        assertThat(loaded.generated()).isFalse();
        assertThat(loaded.keys().secretFor("AKIDEXAMPLE")).contains("s3cret");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void everyProfileWithAKeyPairBecomesAKey() throws IOException {
        Path file = dataDir.resolve("credentials");
        Files.writeString(file, """
                # a comment
                [default]
                aws_access_key_id=AKIAFIRST
                aws_secret_access_key=first/secret+1
                region = us-east-1

                ; another comment
                [ci]
                  AWS_ACCESS_KEY_ID = AKIASECOND
                  aws_secret_access_key = second
                [assume-role]
                role_arn = arn:aws:iam::123456789012:role/x
                source_profile = default
                """);

        AccessKeys keys = AccessKeys.fromCredentialsFile(file);

        assertThat(keys.accessKeyIds()).containsExactly("AKIAFIRST", "AKIASECOND");
        assertThat(keys.secretFor("AKIAFIRST")).contains("first/secret+1");
        assertThat(keys.secretFor("AKIASECOND")).contains("second");
        assertThat(keys.secretFor("AKIATHIRD")).isEmpty();
        assertThat(keys.toString()).doesNotContain("first/secret+1").contains("AKIAFIRST");
    }

    @Test
    void aMalformedFileIsRefusedWithItsNameAndLine() throws IOException {
        Path file = dataDir.resolve("credentials");
        Files.writeString(file, "[default]\naws_access_key_id = AKIDEXAMPLE\nthis line is wrong\n");

        assertThatThrownBy(() -> AccessKeys.loadOrGenerate(dataDir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Malformed credentials file " + file + ", line 3: expected 'name = value', got 'this lin...'");
    }

    @Test
    void aProfileWithoutItsSecretIsRefused() throws IOException {
        Path file = dataDir.resolve("credentials");
        Files.writeString(file, "[default]\naws_access_key_id = AKIDEXAMPLE\n");

        assertThatThrownBy(() -> AccessKeys.fromCredentialsFile(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Malformed credentials file " + file + ", line 1: profile [default] has no aws_secret_access_key");
    }

    @Test
    void aSettingOutsideAnyProfileIsRefused() throws IOException {
        Path file = dataDir.resolve("credentials");
        Files.writeString(file, "aws_access_key_id = AKIDEXAMPLE\n");

        assertThatThrownBy(() -> AccessKeys.fromCredentialsFile(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line 1: a setting before the first [profile] section");
    }

    @Test
    void aFileWithoutAnyKeyIsRefused() throws IOException {
        Path file = dataDir.resolve("credentials");
        Files.writeString(file, "# nothing here\n");

        assertThatThrownBy(() -> AccessKeys.fromCredentialsFile(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Credentials file " + file + " has no profile with both aws_access_key_id and aws_secret_access_key");
    }

    @Test
    void anAccessKeyIdThatCannotAppearInACredentialScopeIsRefused() {
        assertThatThrownBy(() -> AccessKeys.of("AKIA/X", "secret")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AccessKeys.of("AKIA X", "secret")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AccessKeys.of("AKIAX", "")).isInstanceOf(IllegalArgumentException.class);
    }
}
