package io.kindling.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "dlq", mixinStandardHelpOptions = true,
        description = {"A function's dead letters: asynchronous events that failed every retry or grew too old, when "
                + "the function has no OnFailure destination."},
        subcommands = {DlqCommand.List.class, DlqCommand.Replay.class})
final class DlqCommand {

    private static String path(String function, String rest) {
        return "/kindling/2026-11-27/functions/" + URLEncoder.encode(function, StandardCharsets.UTF_8)
                + "/dead-letters" + rest;
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List a function's dead letters, oldest first.")
    static final class List implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "FUNCTION", description = "Function name or ARN.")
        String function;

        @Option(names = "--max", paramLabel = "N", description = "At most N (default: ${DEFAULT-VALUE}).",
                defaultValue = "100")
        int max;

        @Option(names = "--payload", description = "Print each event's payload too.")
        boolean payload;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            try (KindlingApi api = client.kindlingApi()) {
                JsonNode letters = new ObjectMapper().readTree(api.get(path(function, ""), "MaxItems=" + max))
                        .path("DeadLetters");
                out.printf("%-36s %-10s %-17s %8s  %-24s %s%n", "ID", "QUALIFIER", "CONDITION", "ATTEMPTS", "FAILED AT",
                        "ERROR");
                for (JsonNode d : letters) {
                    out.printf("%-36s %-10s %-17s %8d  %-24s %s%n", d.path("Id").asText(), d.path("Qualifier").asText(),
                            d.path("Condition").asText(), d.path("Attempts").asInt(), d.path("FailedAt").asText(),
                            oneLine(d.path("ErrorType").asText() + ": " + d.path("ErrorMessage").asText()));
                    if (payload) {
                        out.println("    " + d.path("Payload").asText());
                    }
                }
                out.flush();
            }
            return 0;
        }

        private static String oneLine(String text) {
            String flat = text.replaceAll("\\s+", " ");
            return flat.length() > 120 ? flat.substring(0, 117) + "..." : flat;
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = "Put a function's dead letters (or one of them) back in its queue, as new events.")
    static final class Replay implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Parameters(index = "0", paramLabel = "FUNCTION", description = "Function name or ARN.")
        String function;

        @Option(names = "--id", paramLabel = "ID", description = "Only this dead letter (from `kindling dlq ls`).")
        String id;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            try (KindlingApi api = client.kindlingApi()) {
                String query = id == null ? "" : "Id=" + URLEncoder.encode(id, StandardCharsets.UTF_8);
                int replayed = new ObjectMapper().readTree(api.post(path(function, "/replay"), query))
                        .path("Replayed").asInt();
                spec.commandLine().getOut().println("replayed " + replayed + " event" + (replayed == 1 ? "" : "s"));
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }
}
