package io.kindling.worker.runtimeapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RuntimeErrorReportsTest {
    private static final ObjectMapper json = new ObjectMapper();

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String bodyOf(RuntimeErrorReports.Report report) throws Exception {
        return json.readTree(report.body()).toString();
    }

    @Test
    void aJsonObjectPassesThroughByteForByte() {
        byte[] body = bytes("{ \"errorMessage\": \"x\", \"errorType\": \"T\", \"stackTrace\": [] }");

        RuntimeErrorReports.Report report = RuntimeErrorReports.read(Optional.of("Header.Type"), Optional.of(body));

        assertThat(report.body()).isSameAs(body);
        assertThat(report.errorType()).isEqualTo("Header.Type");
    }

    @Test
    void withoutTheHeaderTheTypeComesFromTheBody() {
        RuntimeErrorReports.Report report = RuntimeErrorReports.read(Optional.empty(),
                Optional.of(bytes("{\"errorMessage\":\"x\",\"errorType\":\"Body.Type\"}")));

        assertThat(report.errorType()).isEqualTo("Body.Type");
    }

    @Test
    void withNeitherTheTypeIsUnknown() {
        RuntimeErrorReports.Report report = RuntimeErrorReports.read(Optional.of("  "), Optional.of(bytes("{}")));

        assertThat(report.errorType()).isEqualTo("Runtime.Unknown");
    }

    @Test
    void plainTextBecomesTheMessage() throws Exception {
        RuntimeErrorReports.Report report = RuntimeErrorReports.read(Optional.of("Custom"), Optional.of(bytes("  oops \"quoted\"\n")));

        assertThat(bodyOf(report)).isEqualTo("{\"errorMessage\":\"oops \\\"quoted\\\"\",\"errorType\":\"Custom\"}");
    }

    @Test
    void jsonThatIsNotAnObjectIsRebuilt() throws Exception {
        RuntimeErrorReports.Report report = RuntimeErrorReports.read(Optional.of("Custom"), Optional.of(bytes("[1,2]")));

        assertThat(bodyOf(report)).isEqualTo("{\"errorMessage\":\"[1,2]\",\"errorType\":\"Custom\"}");
    }

    @Test
    void anEmptyOrBinaryBodyGetsTheGenericMessage() throws Exception {
        String expected = "{\"errorMessage\":\"Unknown application error occurred\",\"errorType\":\"Custom\"}";

        assertThat(bodyOf(RuntimeErrorReports.read(Optional.of("Custom"), Optional.of(new byte[0])))).isEqualTo(expected);
        assertThat(bodyOf(RuntimeErrorReports.read(Optional.of("Custom"), Optional.of(new byte[] {(byte) 0xc3, 0x28}))))
                .isEqualTo(expected);
    }

    @Test
    void anOversizeReportIsBuiltFromTheHeader() throws Exception {
        RuntimeErrorReports.Report report = RuntimeErrorReports.read(Optional.of("Custom"), Optional.empty());

        assertThat(json.readTree(report.body()).get("errorMessage").asText()).contains("6291556 bytes");
        assertThat(report.errorType()).isEqualTo("Custom");
    }
}
