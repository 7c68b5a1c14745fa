package org.gradlab.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** What every job command has: {@code --help}, {@code --seed}, {@code --fresh}, and the terminal to print to. */
abstract class JobCommand implements Callable<Integer> {
    @ParentCommand
    private Main main;

    @Mixin
    private HelpOption help;

    @Option(names = "--seed", paramLabel = "N", description = "Model, split and batch-order seed (default: ${DEFAULT-VALUE}).")
    protected long seed;

    @Option(names = "--fresh", description = "Replace --out even if another kind of job (e.g. a study) made it.")
    protected boolean fresh;

    /** Where the job prints its progress and tables. */
    protected PrintStream out() {
        return main.out();
    }
}
