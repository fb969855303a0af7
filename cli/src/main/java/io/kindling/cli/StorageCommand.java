package io.kindling.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "storage", mixinStandardHelpOptions = true,
        description = {"The chunk store that keeps function code: what it holds and where reads were served from.",
                "Lambda keeps its chunk store out of sight; Kindling shows it."},
        subcommands = {StorageCommand.Stats.class, StorageCommand.Gc.class})
final class StorageCommand {

    @Command(name = "stats", mixinStandardHelpOptions = true,
            description = {"Logical bytes of every code image, unique bytes stored after dedupe, the dedupe ratio, "
                    + "chunk counts, and per tier of the read path (memory, disk, origin) the reads, hit rate and "
                    + "bytes served since the server started."})
    static final class Stats implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Option(names = "--json", description = "Print the server's answer as JSON.")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            try (KindlingApi api = client.kindlingApi()) {
                String body = api.get("/kindling/2026-11-27/storage", "");
                if (json) {
                    out.println(body);
                    out.flush();
                    return 0;
                }
                JsonNode stats = new ObjectMapper().readTree(body);
                out.printf("images          %,d%n", stats.path("Images").asLong());
                out.printf("logical bytes   %s%n", bytes(stats.path("LogicalBytes").asLong()));
                out.printf("stored bytes    %s (unique, encrypted)%n", bytes(stats.path("StoredBytes").asLong()));
                out.printf("dedupe ratio    %.1f%%%n", 100 * stats.path("DedupeRatio").asDouble());
                out.printf("chunks          %,d%n", stats.path("Chunks").asLong());
                out.println();
                out.printf("%-8s %12s %9s %14s %14s %14s%n", "TIER", "READS", "HIT RATE", "BYTES SERVED", "HELD",
                        "BOUND");
                for (JsonNode tier : stats.path("Tiers")) {
                    long bound = tier.path("CapacityBytes").asLong();
                    out.printf("%-8s %,12d %8.1f%% %14s %14s %14s%n", tier.path("Name").asText(),
                            tier.path("Reads").asLong(), 100 * tier.path("HitRate").asDouble(),
                            bytes(tier.path("BytesServed").asLong()), bytes(tier.path("HeldBytes").asLong()),
                            bound == 0 ? "-" : bytes(bound));
                }
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "gc", mixinStandardHelpOptions = true,
            description = {"Run one garbage collection pass now: delete the manifests of code images nothing uses "
                    + "(older than the server's --chunk-gc-grace) and every chunk no remaining manifest names.",
                    "The server also runs a pass every --chunk-gc-interval."})
    static final class Gc implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            try (KindlingApi api = client.kindlingApi()) {
                JsonNode report = new ObjectMapper().readTree(api.post("/kindling/2026-11-27/storage/gc", ""));
                out.printf("manifests deleted %,d, kept %,d%n", report.path("ManifestsDeleted").asLong(),
                        report.path("ManifestsKept").asLong());
                out.printf("chunks deleted %,d (%s freed), kept %,d (%s)%n", report.path("ChunksDeleted").asLong(),
                        bytes(report.path("BytesFreed").asLong()), report.path("ChunksKept").asLong(),
                        bytes(report.path("BytesKept").asLong()));
                out.printf("took %,d ms%n", report.path("TookMillis").asLong());
                out.flush();
            }
            return 0;
        }
    }

    /** Binary units, one decimal: what {@code du -h} and {@code ls -lh} print. */
    static String bytes(long n) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double value = n;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? n + " B" : String.format("%.1f %s", value, units[unit]);
    }
}
