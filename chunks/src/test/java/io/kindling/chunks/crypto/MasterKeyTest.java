package io.kindling.chunks.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MasterKeyTest {

    @TempDir
    Path dir;

    @Test
    void createsAnOwnerOnlyKeyFileAndLoadsItAgain() throws Exception {
        Path data = dir.resolve("data");
        MasterKey created = MasterKey.loadOrCreate(data);
        Path file = data.resolve(MasterKey.FILE_NAME);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.size(file)).isEqualTo(32);
        try (Stream<Path> files = Files.list(data)) {
            assertThat(files).containsExactly(file); // no temporary left behind
        }
        assertThat(MasterKey.loadOrCreate(data).derive("x")).isEqualTo(created.derive("x"));
        assertThat(MasterKey.load(data).derive("x")).isEqualTo(created.derive("x"));
    }

    @Test
    void twoDataDirectoriesGetDifferentKeys() throws Exception {
        assertThat(MasterKey.loadOrCreate(dir.resolve("a")).derive("x"))
                .isNotEqualTo(MasterKey.loadOrCreate(dir.resolve("b")).derive("x"));
    }

    @Test
    void refusesAKeyFileOthersCanRead() throws Exception {
        MasterKey.loadOrCreate(dir);
        Path file = dir.resolve(MasterKey.FILE_NAME);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        assertThatThrownBy(() -> MasterKey.load(dir))
                .isInstanceOf(InsecureKeyFileException.class).hasMessageContaining("chmod 600");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw----r--"));
        assertThatThrownBy(() -> MasterKey.loadOrCreate(dir)).isInstanceOf(InsecureKeyFileException.class);
    }

    @Test
    void refusesASymbolicLink() throws Exception {
        Path real = dir.resolve("real");
        MasterKey.loadOrCreate(real);
        Path linked = Files.createDirectory(dir.resolve("linked"));
        Files.createSymbolicLink(linked.resolve(MasterKey.FILE_NAME), real.resolve(MasterKey.FILE_NAME));
        assertThatThrownBy(() -> MasterKey.load(linked)).isInstanceOf(InsecureKeyFileException.class);
    }

    @Test
    void refusesAFileOfTheWrongLength() throws Exception {
        Files.write(dir.resolve(MasterKey.FILE_NAME), new byte[31]);
        Files.setPosixFilePermissions(dir.resolve(MasterKey.FILE_NAME), PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> MasterKey.load(dir)).hasMessageContaining("31 bytes");
    }

    @Test
    void loadWithoutAFileFails() {
        assertThatThrownBy(() -> MasterKey.load(dir)).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void derivedKeysDifferByPurpose() {
        MasterKey key = MasterKey.generate();
        assertThat(key.derive("a")).hasSize(32).isNotEqualTo(key.derive("b"));
        assertThat(key.toString()).doesNotContain(java.util.HexFormat.of().formatHex(key.derive("a")));
    }
}
