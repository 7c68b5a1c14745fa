package org.gradlab.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * gradlab's command line: the top level only; each job is a subcommand class, its work a library
 * class in {@code org.gradlab.experiment}.
 *
 * <pre>
 * ./gradlab article [--seed N] [--epochs N] [--out DIR] [--images FILE --labels FILE]
 * ./gradlab explode [--seed N] [--epochs N] [--out DIR]
 * ./gradlab help [COMMAND]        (or COMMAND --help)
 * </pre>
 *
 * Exit codes: 0 done, 1 the job failed (the message names the file or folder), 2 bad usage (a
 * one-line message and the command's usage).
 */
@Command(name = "gradlab", sortSynopsis = false,
        description = "See, explain and prevent exploding gradients. Each command trains, prints its tables and "
                + "writes its results (CSV, PNG, HTML) to a folder that holds one complete run.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {
            CommandLine.HelpCommand.class,
            ArticleCommand.class,
            ExplodeCommand.class,
            StudyCommand.class,
        })
public final class Main implements Callable<Integer> {
    private final PrintStream out;

    @Spec
    private CommandSpec spec;

    @Mixin
    private HelpOption help;

    private Main(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs a command; returns the process exit code (0 ok, 1 failure, 2 bad usage). Public for
     * launchers of their own (gradlab-spark's {@code SparkStudy}).
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(new Main(out));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setParameterExceptionHandler((e, a) -> {
            err.println("gradlab: " + usageMessage(e));
            e.getCommandLine().usage(err);
            return 2;
        });
        cli.setExecutionExceptionHandler((e, c, parsed) -> {
            err.println("gradlab: " + describe(e));
            return 1;
        });
        return cli.execute(args);
    }

    /** Where jobs print their progress and tables. */
    PrintStream out() {
        return out;
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command: one of " + spec.subcommands().keySet());
    }

    /** picocli's message, with an unknown command called so. */
    private static String usageMessage(ParameterException e) {
        CommandLine c = e.getCommandLine();
        if (e instanceof UnmatchedArgumentException u && !c.getSubcommands().isEmpty() && !u.getUnmatched().isEmpty()
                && !u.getUnmatched().get(0).startsWith("-")) {
            return "unknown command '" + u.getUnmatched().get(0) + "'; the commands are " + c.getSubcommands().keySet();
        }
        return e.getMessage().replaceFirst("^Error: ", "");
    }

    /** One line for a failure: file errors name the file and what is wrong, never a stack trace. */
    static String describe(Throwable e) {
        Throwable t = e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
        if (t instanceof FileSystemException f && f.getReason() == null) {
            String what = t instanceof NoSuchFileException ? "no such file or folder"
                    : t instanceof AccessDeniedException ? "permission denied"
                    : t instanceof FileAlreadyExistsException ? "already exists"
                    : t instanceof NotDirectoryException ? "not a folder"
                    : t.getClass().getSimpleName();
            return f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile()) + ": " + what;
        }
        if (t instanceof IOException || t instanceof IllegalArgumentException || t instanceof IllegalStateException) {
            return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
