package io.kindling.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "logs", mixinStandardHelpOptions = true,
        description = {"Print a function's log: its runtime's output and Lambda's START, END and REPORT lines.",
                "Kindling keeps each function's log in the server's data directory, bounded and rotated."})
final class LogsCommand implements Callable<Integer> {
    /** How long one long poll of --follow waits on the server for new lines. */
    private static final int FOLLOW_WAIT_SECONDS = 20;

    @Mixin
    ClientOptions client;

    @Parameters(index = "0", paramLabel = "FUNCTION", description = "Function name or ARN.")
    String function;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines as they come, until interrupted.")
    boolean follow;

    @Option(names = "--tail", paramLabel = "N", description = "Start with the last N lines (default: ${DEFAULT-VALUE}).",
            defaultValue = "100")
    int tail;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        ObjectMapper json = new ObjectMapper();
        KindlingApi api = client.kindlingApi();
        String base = "/kindling/2026-11-27/functions/" + URLEncoder.encode(function, StandardCharsets.UTF_8) + "/logs";
        String query = "tail=" + tail;
        while (true) {
            JsonNode page = json.readTree(api.get(base, query));
            for (JsonNode event : page.path("Events")) {
                out.println(Instant.ofEpochMilli(event.path("Timestamp").asLong()) + " "
                        + event.path("Message").asText());
            }
            out.flush();
            if (!follow) {
                return 0;
            }
            query = "from=" + URLEncoder.encode(page.path("NextToken").asText(), StandardCharsets.UTF_8)
                    + "&wait=" + FOLLOW_WAIT_SECONDS;
        }
    }
}
