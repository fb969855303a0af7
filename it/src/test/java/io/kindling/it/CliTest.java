package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kindling.cli.Kindling;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;

/** The kindling command against a real server: deploy (create and update), functions ls, rm, help, errors. */
class CliTest extends ServerTest {

    record Run(int exit, String out, String err) {}

    static Run kindling(String... args) {
        CommandLine cli = Kindling.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        List<String> all = new java.util.ArrayList<>(List.of(args));
        int exit = cli.execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    String[] client(String... args) {
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of("--endpoint", server.endpoint(), "--data-dir", dir.toString()));
        return all.toArray(String[]::new);
    }

    @Test
    void invokePrintsTheResponseAndTheLogTailAndLogsPrintsTheStoredLog() throws Exception {
        Path code = Files.createDirectories(dir.resolve("src-greeter"));
        Files.writeString(code.resolve("bootstrap"), ProvidedRuntimeBootstraps.SWISS_ARMY.replace(
                "COUNT=$((COUNT + 1))", "COUNT=$((COUNT + 1)); echo \"greeting number $COUNT\""));
        Files.setPosixFilePermissions(code.resolve("bootstrap"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path event = dir.resolve("event.json");
        Files.writeString(event, "{\"from\":\"a file\"}");
        Run deployed = kindling(client("deploy", "greeter", code.toString(), "--runtime", "provided.al2023",
                "--handler", "bootstrap"));
        assertThat(deployed.exit()).as(deployed.err()).isZero();

        Run inline = kindling(client("invoke", "greeter", "--payload", "{\"hello\":1}", "--log"));
        Run fromFile = kindling(client("invoke", "greeter", "--payload", "@" + event));
        Run failing = kindling(client("invoke", "greeter", "--payload", "\"fail\""));
        Run logs = kindling(client("logs", "greeter"));

        assertThat(inline.exit()).as(inline.err()).isZero();
        assertThat(inline.out()).isEqualTo("{\"hello\":1}\n");
        assertThat(inline.err()).contains("START RequestId: ").contains("greeting number 1")
                .contains("REPORT RequestId: ").contains("Init Duration: ");
        assertThat(fromFile.out()).isEqualTo("{\"from\":\"a file\"}\n");
        assertThat(failing.exit()).isEqualTo(1);
        assertThat(failing.out()).contains("Custom.Failure");
        assertThat(failing.err()).contains("function error (Unhandled)");
        assertThat(logs.exit()).as(logs.err()).isZero();
        assertThat(logs.out()).contains("greeting number 1").contains("greeting number 2")
                .contains("greeting number 3");
        assertThat(logs.out().lines().filter(line -> line.contains(" REPORT RequestId: ")).count()).isEqualTo(3);
        Run missing = kindling(client("logs", "no-such-function"));
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.err()).contains("ResourceNotFoundException");
    }

    @Test
    void queuesAndDlqShowAndReplayTheDeadLetters() throws Exception {
        Path code = Files.createDirectories(dir.resolve("src-parked"));
        Files.writeString(code.resolve("bootstrap"), AsyncBootstraps.RECORDING);
        Files.setPosixFilePermissions(code.resolve("bootstrap"), PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(kindling(client("deploy", "parked", code.toString(), "--runtime", "provided.al2023",
                "--handler", "bootstrap")).exit()).isZero();
        // Reserved concurrency 0: the event goes straight to the dead letters, without running.
        lambda.putFunctionConcurrency(r -> r.functionName("parked").reservedConcurrentExecutions(0));
        String id = lambda.invoke(r -> r.functionName("parked").invocationType(InvocationType.EVENT)
                .payload(SdkBytes.fromUtf8String("{\"parked\":true}"))).responseMetadata().requestId();
        await().atMost(Duration.ofMinutes(1)).until(() -> kindling(client("dlq", "ls", "parked")).out().contains(id));

        Run listed = kindling(client("dlq", "ls", "parked", "--payload"));
        Run queues = kindling(client("queues"));
        lambda.deleteFunctionConcurrency(r -> r.functionName("parked"));
        Run replayed = kindling(client("dlq", "replay", "parked", "--id", id));
        Run unknown = kindling(client("dlq", "replay", "parked", "--id", "no-such-id"));

        assertThat(listed.exit()).as(listed.err()).isZero();
        assertThat(listed.out()).contains("ID").containsPattern(id + "\\s+\\$LATEST\\s+RetriesExhausted\\s+0")
                .contains("{\"parked\":true}");
        assertThat(queues.exit()).as(queues.err()).isZero();
        assertThat(queues.out()).contains("DEAD LETTERS").containsPattern("parked\\s+0\\s+0\\s+1\\s");
        assertThat(replayed.out()).isEqualTo("replayed 1 event\n");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("ResourceNotFoundException");
        await().atMost(Duration.ofMinutes(1)).until(() -> kindling(client("logs", "parked")).out()
                .contains("START RequestId: " + id));
        assertThat(kindling(client("dlq", "ls", "parked")).out()).doesNotContain(id);
    }

    @Test
    void deployCreatesThenUpdatesAndKeepsTheBootstrapExecutable() throws Exception {
        Path code = Files.createDirectories(dir.resolve("src-hello"));
        Files.writeString(code.resolve("bootstrap"), "#!/bin/sh\necho hello\n");
        Files.setPosixFilePermissions(code.resolve("bootstrap"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(code.resolve("lib"));
        Files.writeString(code.resolve("lib/data.txt"), "data");

        Run created = kindling(client("deploy", "hello", code.toString(), "--runtime", "provided.al2023",
                "--handler", "bootstrap", "--env", "GREETING=hi"));
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(created.out()).contains("deployed hello").contains("State Active");
        var config = lambda.getFunctionConfiguration(r -> r.functionName("hello"));
        assertThat(config.environment().variables()).containsEntry("GREETING", "hi");

        // The uploaded package kept the executable bit: read it back through Code.Location.
        Path downloaded = dir.resolve("downloaded.zip");
        HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                lambda.getFunction(r -> r.functionName("hello")).code().location())).build(),
                HttpResponse.BodyHandlers.ofFile(downloaded));
        try (ZipFile zip = ZipFile.builder().setPath(downloaded).get()) {
            ZipArchiveEntry bootstrap = zip.getEntry("bootstrap");
            assertThat(bootstrap.getUnixMode() & 0111).isEqualTo(0111);
            assertThat(zip.getEntry("lib/data.txt")).isNotNull();
        }

        Files.writeString(code.resolve("bootstrap"), "#!/bin/sh\necho hello again\n");
        Run updated = kindling(client("deploy", "hello", code.toString(), "--runtime", "provided.al2023",
                "--handler", "bootstrap", "--memory", "256"));
        assertThat(updated.exit()).as(updated.err()).isZero();
        var after = lambda.getFunctionConfiguration(r -> r.functionName("hello"));
        assertThat(after.memorySize()).isEqualTo(256);
        assertThat(after.codeSha256()).isNotEqualTo(config.codeSha256());

        Run listed = kindling(client("functions", "ls"));
        assertThat(listed.exit()).isZero();
        assertThat(listed.out()).contains("NAME").containsPattern("hello\\s+provided.al2023\\s+256MB");

        Run removed = kindling(client("rm", "hello"));
        assertThat(removed.exit()).isZero();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> lambda.getFunction(r -> r.functionName("hello")))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void deployAcceptsAReadyZip() throws Exception {
        Path zip = dir.resolve("ready.zip");
        Files.write(zip, Zips.bootstrap("ready"));
        Run run = kindling(client("deploy", "ready", zip.toString(), "--runtime", "java21", "--handler", "a.B::handle"));
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(lambda.getFunctionConfiguration(r -> r.functionName("ready")).runtimeAsString()).isEqualTo("java21");
    }

    @Test
    void failuresAreOneLineAndNonZero() {
        Run missing = kindling(client("rm", "no-such-function"));
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err().strip()).doesNotContain("\n")
                .startsWith("kindling: ResourceNotFoundException: Function not found");

        Run invalid = kindling(client("deploy", "bad name", dir.toString(), "--runtime", "provided.al2023",
                "--handler", "bootstrap"));
        assertThat(invalid.exit()).isEqualTo(1);
        assertThat(invalid.err()).startsWith("kindling: ValidationException");

        Run unreachable = kindling("functions", "ls", "--endpoint", "http://127.0.0.1:1", "--data-dir", dir.toString());
        assertThat(unreachable.exit()).isEqualTo(1);
        assertThat(unreachable.err()).startsWith("kindling: ").doesNotContain("\tat ");

        Run unknownOption = kindling("deploy", "--no-such-option");
        assertThat(unknownOption.exit()).isEqualTo(2);
    }

    @Test
    void everyCommandHasHelp() {
        for (String[] command : List.of(new String[] {"--help"}, new String[] {"serve", "--help"},
                new String[] {"functions", "--help"}, new String[] {"functions", "ls", "--help"},
                new String[] {"deploy", "--help"}, new String[] {"rm", "--help"}, new String[] {"version", "--help"})) {
            Run run = kindling(command);
            assertThat(run.exit()).as(String.join(" ", command)).isZero();
            assertThat(run.out()).contains("Usage: kindling");
        }
        assertThat(kindling("version").out()).startsWith("kindling ");
    }
}
