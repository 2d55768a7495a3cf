using System.Text;

namespace Pix2Pix.Training.Data;

/// <summary>DATASET.md of the OpenMoji dataset: what it holds, every decision `prepare openmoji` made, and the attribution.</summary>
internal static class OpenMojiDatasetCard
{
    public static string Describe(OpenMojiDataset.Report report, OpenMojiOptions options)
    {
        var text = new StringBuilder();
        text.AppendLine("# OpenMoji sketch → picture");
        text.AppendLine();
        text.AppendLine($"Aligned pairs (A = black line drawing, B = colour emoji) rendered on white at {options.Size}×{options.Size} from the");
        var groups = options.FiltersByGroup ? $", --groups {string.Join(',', options.Groups!)}" : "";
        var favour = options.FavoursGroups ? $", --favour {string.Join(',', options.Favoured!)} --favour_weight {options.FavourWeight}" : "";
        var extra = report.ExtraSets.Count > 0 ? $", --extra_sets {string.Join(',', report.ExtraSets.Select(e => e.Set.Source))}" : "";
        text.AppendLine($"OpenMoji npm package, version {report.Version}, by `scripts/pix2pix prepare openmoji` (--variants {options.Variants}{(options.Balance ? "" : ", --no_balance")}{groups}{favour}{extra}).");
        text.AppendLine();
        SplitWriter.AppendTable(text, report.PerSplit);
        text.AppendLine();
        text.AppendLine("## One target per drawing");
        text.AppendLine();
        text.AppendLine($"The package's {report.Files} emoji hold {report.Drawings} distinct line drawings (identical pixels at {options.Size}×{options.Size});");
        text.AppendLine($"{report.SharedDrawings} of them are shared by several emoji of different colours. One drawing with several targets teaches");
        text.AppendLine("a model to paint their average, so each drawing keeps one: among the emoji without a skin-tone modifier, the first in");
        text.AppendLine("Unicode's emoji order (OpenMoji's own extras come after Unicode's). Left out for it:");
        text.AppendLine();
        text.AppendLine($"- {report.SkinToneDropped} skin-tone variants (the drawing keeps its default, yellow, version);");
        text.AppendLine($"- {report.OtherColoursDropped} other emoji that repeat a drawing in other colours (the heart outline keeps the red heart);");
        text.AppendLine($"- {report.AmbiguousFiles} emoji of {report.AmbiguousDrawings} drawings shared by more than {OpenMojiOptions.MaxSharedDrawing} emoji (the flag outlines): their lines say nothing of their colours.");
        if (options.FiltersByGroup)
        {
            text.AppendLine($"- {report.OutsideGroups} drawings whose target is in none of OpenMoji's groups or subgroups {string.Join(", ", options.Groups!)} (only drawings in those are kept).");
        }

        text.AppendLine();
        text.AppendLine($"Also skipped: {report.Empty} with an empty drawing, {report.Identical} whose drawing equals its colour version, {report.Unreadable} that could not be rendered, {report.Unpaired} without a partner.");
        text.AppendLine("The split is 90/5/5 by a SHA-256 hash of each kept emoji's file name, so it never changes, and all variants of a drawing");
        text.AppendLine("stay in its split. Validation and test pairs are plain renderings, one per drawing.");
        text.AppendLine();
        text.AppendLine("## Augmentation and colour balance (training split)");
        text.AppendLine();
        text.AppendLine($"Each training drawing is written plain and as augmented variants: strokes {OpenMojiOptions.MinStroke}–{OpenMojiOptions.MaxStroke}× OpenMoji's width (log-uniform; the");
        text.AppendLine($"sketch pad's pens are 0.2–1.25× at 128 px), the drawing scaled by {OpenMojiOptions.MinZoom}–1 and shifted within the room that leaves; the same");
        text.AppendLine("style for both halves, so outlines stay aligned; seeded by name. Each drawing's colour family is the most common hue");
        text.AppendLine("band of its colour version's fill (grey when little of it is saturated).");
        text.AppendLine(options.Balance
            ? $"Balancing: a drawing gets {options.Variants} × √(largest family / its family) pairs, at most {OpenMojiOptions.MaxBalance}× as many, so rare colours are seen more often."
            : $"No balancing: every drawing gets {options.Variants} pairs.");
        if (options.FavoursGroups)
        {
            text.AppendLine($"Favoured: the {report.Favoured.Drawings} training drawings in OpenMoji's groups or subgroups {string.Join(", ", options.Favoured!)} get {options.FavourWeight}× as many");
            text.AppendLine($"pairs ({report.Favoured.Pairs} in all, more augmented variants), so a model sees each of them {options.FavourWeight}× as often; the table counts them.");
        }

        if (report.ExtraSets.Count > 0) AppendExtraSets(text, report.ExtraSets);
        text.AppendLine();
        text.AppendLine("| colour family | drawings | training pairs |");
        text.AppendLine("| --- | --- | --- |");
        foreach (var (family, (drawings, pairs)) in report.TrainingColours.OrderBy(f => f.Key)) text.AppendLine($"| {family.ToString().ToLowerInvariant()} | {drawings} | {pairs} |");
        text.AppendLine();
        text.AppendLine("## Licence and attribution");
        text.AppendLine();
        text.AppendLine("All emojis designed by OpenMoji – the open-source emoji and icon project (https://openmoji.org).");
        text.AppendLine("License: CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/). These renderings, and models");
        text.AppendLine("trained on them, are shared under the same licence.");
        foreach (var e in report.ExtraSets)
        {
            text.AppendLine();
            text.AppendLine($"{e.Set.Title} {e.Set.Version} by {e.Set.Author}, {e.Set.Licence}{(e.Set.LicenceUrl.Length > 0 ? $" ({e.Set.LicenceUrl})" : "")}: outlined and rendered here from its Iconify package.");
        }

        return text.ToString();
    }

    private static void AppendExtraSets(StringBuilder text, IReadOnlyList<OpenMojiDataset.ExtraSetReport> sets)
    {
        text.AppendLine();
        text.AppendLine("Other designs of the same emoji add training drawings: more than one drawing of each object, so a model can learn an");
        text.AppendLine("apple's colour from the apple rather than from one apple drawing. Their pictures have no outlines; lines are drawn where");
        text.AppendLine($"neighbouring colours differ by more than {ColourOutlines.Threshold} (RGB distance), black on white for A and over the colours for B, as OpenMoji draws.");
        text.AppendLine("Each icon is matched to OpenMoji's emoji by its code points and goes by OpenMoji's order, group and skin tone: skin tones");
        text.AppendLine($"are left out, icons whose lines overlap an earlier icon's by {ColourOutlines.SameDrawing:P0} or more are left out (one target per outline, the first");
        text.AppendLine("in Unicode's order), and so is every emoji whose OpenMoji drawing is in the validation or test split (the drawing's split,");
        text.AppendLine("which its chosen target decides), so those splits still hold objects no training drawing shows. Augmented variants");
        text.AppendLine("scale and shift them as above; the stroke width chooses thin, plain or thick lines. They count in the colour table below.");
        text.AppendLine();
        text.AppendLine("| design | version | licence | icons | training drawings | val/test emoji left out | skin tones | repeated outlines | not in OpenMoji | unusable |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var e in sets)
        {
            text.AppendLine($"| {e.Set.Title} ({e.Set.Prefix}) | {e.Set.Version} | {e.Set.Licence} | {e.Set.Icons.Count} | {e.Kept} | {e.HeldOut} | {e.SkinTone} | {e.SameDrawing} | {e.NotInOpenMoji + e.NoCodePoints} | {e.Unusable} |");
        }
    }
}
