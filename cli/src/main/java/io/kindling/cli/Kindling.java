package io.kindling.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.lambda.model.LambdaException;

/** The {@code kindling} command. Each subcommand prints a one-line error and exits non-zero on failure. */
@Command(name = "kindling", mixinStandardHelpOptions = true, versionProvider = Kindling.Version.class,
        description = "A self-hosted serverless platform that speaks the AWS Lambda API.",
        subcommands = {ServeCommand.class, FunctionsCommand.class, DeployCommand.class, InvokeCommand.class,
                LogsCommand.class, QueuesCommand.class, DlqCommand.class, StorageCommand.class, RemoveCommand.class,
                BenchCommand.class, Kindling.VersionCommand.class, CommandLine.HelpCommand.class})
public final class Kindling {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Kindling());
        cli.setExecutionExceptionHandler(Kindling::oneLineError);
        // `--payload @event.json` names a file to read, as in the AWS CLI; picocli would expand it as an argument file.
        cli.setExpandAtFiles(false);
        return cli;
    }

    private static int oneLineError(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        err.println("kindling: " + describe(e));
        err.flush();
        return 1;
    }

    static String describe(Throwable e) {
        return switch (e) {
            case LambdaException l when l.awsErrorDetails() != null ->
                    l.awsErrorDetails().errorCode() + ": " + l.awsErrorDetails().errorMessage();
            case SdkClientException c when c.getCause() instanceof java.net.ConnectException ->
                    "cannot reach the Kindling server (" + c.getCause().getMessage() + "); is `kindling serve` running?";
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        };
    }

    static String version() {
        try (InputStream in = Kindling.class.getResourceAsStream("/kindling-version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"kindling " + version() + " (Java " + Runtime.version() + ")"};
        }
    }

    @Command(name = "version", description = "Print the Kindling version.", mixinStandardHelpOptions = true)
    static final class VersionCommand implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().getOut().println(new Version().getVersion()[0]);
        }
    }
}
