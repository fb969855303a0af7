package io.kindling.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "queues", mixinStandardHelpOptions = true,
        description = {"Show each function's asynchronous queue: events waiting, running, dead-lettered, and how long "
                + "the oldest has waited.", "Lambda keeps these queues out of sight; Kindling shows them."})
final class QueuesCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (KindlingApi api = client.kindlingApi()) {
            JsonNode queues = new ObjectMapper().readTree(api.get("/kindling/2026-11-27/queues", "")).path("Queues");
            out.printf("%-40s %10s %10s %12s %14s%n", "FUNCTION", "QUEUED", "IN FLIGHT", "DEAD LETTERS",
                    "OLDEST (s)");
            for (JsonNode q : queues) {
                out.printf("%-40s %10d %10d %12d %14.1f%n", q.path("FunctionName").asText(), q.path("Depth").asLong(),
                        q.path("InFlight").asLong(), q.path("DeadLetters").asLong(),
                        q.path("OldestEventAgeSeconds").asDouble());
            }
            out.flush();
        }
        return 0;
    }
}
