package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * boto3 against a real server: a Python script (src/test/resources/boto3/control_plane.py) does
 * what a user's deployment script does, with boto3's own waiters and paginators, and reports.
 * Runs Debian's python3 with Debian's python3-boto3, which bin/test installs.
 */
class Boto3Test extends ServerTest {
    static final Path PYTHON = Path.of("/usr/bin/python3");

    @Test
    void aBoto3DeploymentScriptWorksUnchanged() throws Exception {
        Path script = dir.resolve("control_plane.py");
        try (var in = Boto3Test.class.getResourceAsStream("/boto3/control_plane.py")) {
            Files.write(script, in.readAllBytes());
        }
        Path zip = Files.write(dir.resolve("py.zip"), Zips.bootstrap("python"));
        Process process = new ProcessBuilder(List.of(PYTHON.toString(), script.toString(), server.endpoint(),
                TestServer.ACCESS_KEY, TestServer.SECRET_KEY, zip.toString()))
                .redirectErrorStream(false).start();
        process.getOutputStream().close();
        var stdout = process.getInputStream().readAllBytes();
        var stderr = process.getErrorStream().readAllBytes();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String err = new String(stderr, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("python3 control_plane.py failed:\n" + err).isZero();

        JsonNode report = new ObjectMapper().readTree(stdout);
        assertThat(report.path("create_status").asInt()).isEqualTo(201);
        assertThat(report.path("create_state").asText()).isEqualTo("Pending");
        assertThat(report.path("sha_matches").asBoolean()).isTrue();
        assertThat(report.path("state_after_wait").asText()).isEqualTo("Active");
        assertThat(report.path("tags").path("lang").asText()).isEqualTo("python");
        assertThat(report.path("version").asText()).isEqualTo("1");
        assertThat(report.path("alias_arn").asText()).isEqualTo("arn:aws:lambda:us-east-1:123456789012:function:py-fn:live");
        assertThat(report.path("via_alias_timeout").asInt()).isEqualTo(42);
        assertThat(report.path("listed").toString()).contains("\"py-fn\"");
        assertThat(report.path("missing_error").asText()).isEqualTo("ResourceNotFoundException");
        assertThat(report.path("missing_status").asInt()).isEqualTo(404);
        assertThat(report.path("invalid_error").asText()).isEqualTo("ValidationException");
        assertThat(report.path("account_functions").asInt()).isEqualTo(1);
        assertThat(report.path("remaining").toString()).doesNotContain("py-fn");
    }
}
