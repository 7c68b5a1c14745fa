package org.gradlab.cli;

import picocli.CommandLine.Option;

/** {@code -h/--help} for every command (a picocli mixin). */
final class HelpOption {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;
}
