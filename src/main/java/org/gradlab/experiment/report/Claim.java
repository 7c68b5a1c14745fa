package org.gradlab.experiment.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/**
 * One thing a study's report says, as data: its part, its kind, the configurations it is about,
 * the sentence people read, and the facts that make it checkable. The report's sentences are
 * rendered from these ({@code conclusions.json} holds them all), never written separately.
 *
 * <p>Kinds and their facts:
 * <ul>
 *   <li>{@code outcome}: {@code outcome} (diverged, collapsed, degraded or trained) and {@code count}
 *       ({@code "k/n"} seeds);
 *   <li>{@code exploded}: the {@code seeds} whose pre-clip gradient norm passed 1e3 (or that diverged);
 *   <li>{@code exploded_and_failed}: the {@code seeds} that exploded and diverged or collapsed;
 *   <li>{@code exploded_and_trained}: the {@code seeds} that exploded and still degraded or trained;
 *   <li>{@code rescued}, {@code not_rescued}: a clipped configuration against its unclipped
 *       {@code baseline}, whose seeds mostly diverged or collapsed; rescued when every seed of the
 *       clipped one trained;
 *   <li>{@code beats}, {@code ties}, {@code worse}: against {@code other}, Welch's t-test on the
 *       per-seed final accuracies, one-sided at alpha 0.05: {@code diff} (mean accuracy difference),
 *       {@code p}, {@code n} (seeds each);
 *   <li>{@code best}: the configuration with the highest mean accuracy when it beats the runner-up
 *       ({@code other}, {@code p}, {@code diff}); {@code best_tie}: the configurations that tie at
 *       the top;
 *   <li>{@code failed}: runs that could not be trained ({@code count}, the first {@code reason});
 *   <li>{@code note}: what the study cannot say (too few seeds to compare);
 *   <li>{@code forecast_recall}, {@code forecast_lead}, {@code forecast_false_alarms}: the
 *       forecaster over the runs of the {@code seeds} listed, of the part (or of every part when
 *       {@code part} is empty): the failing runs warned before their failure step ({@code count}
 *       {@code "k/n"}), their median lead in steps ({@code value}; {@code n} warned runs), the
 *       healthy runs with a forecast ({@code count}).
 * </ul>
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Claim(String part, String kind, List<String> configs, String text, String outcome, String count,
        List<Long> seeds, String baseline, String other, Double p, Double diff, Integer n, String reason, Double value) {

    public Claim {
        Objects.requireNonNull(part, "part");
        Objects.requireNonNull(kind, "kind");
        configs = List.copyOf(configs);
        Objects.requireNonNull(text, "text");
        seeds = seeds == null ? null : List.copyOf(seeds);
    }

    static Claim of(String part, String kind, List<String> configs, String text) {
        return new Claim(part, kind, configs, text, null, null, null, null, null, null, null, null, null, null);
    }

    Claim withOutcome(String o, String c) {
        return new Claim(part, kind, configs, text, o, c, seeds, baseline, other, p, diff, n, reason, value);
    }

    Claim withSeeds(List<Long> s) {
        return new Claim(part, kind, configs, text, outcome, count, s, baseline, other, p, diff, n, reason, value);
    }

    Claim withBaseline(String b) {
        return new Claim(part, kind, configs, text, outcome, count, seeds, b, other, p, diff, n, reason, value);
    }

    Claim withComparison(String against, double pValue, double difference, int seedsEach) {
        return new Claim(part, kind, configs, text, outcome, count, seeds, baseline, against, pValue, difference, seedsEach, reason,
                value);
    }

    Claim withValue(double v, int over) {
        return new Claim(part, kind, configs, text, outcome, count, seeds, baseline, other, p, diff, over, reason, v);
    }

    Claim withReason(String r, String c) {
        return new Claim(part, kind, configs, text, outcome, c, seeds, baseline, other, p, diff, n, r, value);
    }
}
