using System.CommandLine;
using Pix2Pix.Training.Data;

namespace Pix2Pix.Training.Commands;

/// <summary>`prepare`: building aligned A|B datasets (`prepare combine` as the reference's combine_A_and_B.py).</summary>
internal static class PrepareCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("prepare", "Build aligned A|B datasets");
        command.Subcommands.Add(Combine(output, error));
        command.Subcommands.Add(OpenMoji(output, error));
        command.Subcommands.Add(Edges(output, error));
        return command;
    }

    private static Command OpenMoji(TextWriter output, TextWriter error)
    {
        var command = new Command("openmoji", "Render the OpenMoji package's line drawings and colour emoji as A|B pairs");
        var package = new Option<string>("--package") { Description = "openmoji-17.0.0.tgz (npm pack openmoji@17.0.0) or its unpacked folder", Required = true };
        var size = new Option<int>("--size") { Description = "side of each rendered image", DefaultValueFactory = _ => 256 };
        var target = new Option<string>("--out") { Description = "dataset folder to write (train/, val/, test/, DATASET.md)", Required = true };
        var variants = new Option<int>("--variants") { Description = "pairs per training drawing before balancing: the plain one and augmented ones (stroke width, scale, shift)", DefaultValueFactory = _ => new OpenMojiOptions().Variants };
        var noBalance = new Option<bool>("--no_balance") { Description = "the same number of variants for every colour (default: more for rarer colours)" };
        var groups = new Option<string?>("--groups")
        {
            Description = "keep only drawings of these OpenMoji groups or subgroups, comma-separated (e.g. food-drink,animals-nature,sky-weather,heart; default: all)",
        };
        var favour = new Option<string?>("--favour")
        {
            Description = "give the training drawings of these OpenMoji groups or subgroups more pairs, comma-separated (e.g. food-drink,heart; default: none)",
        };
        var favourWeight = new Option<int?>("--favour_weight") { Description = $"how many times as many pairs a --favour drawing gets (default {new OpenMojiOptions().FavourWeight})" };
        var extraSets = new Option<string?>("--extra_sets")
        {
            Description = "other emoji designs whose pictures add training drawings, outlined from their colours: @iconify-json npm packages (.tgz or folders), comma-separated (scripts/get-emoji-sets fetches Twemoji, Fluent Emoji Flat and Noto)",
        };
        foreach (var option in new Option[] { package, size, target, variants, noBalance, groups, favour, favourWeight, extraSets }) command.Options.Add(option);
        CommandAction.Set(command, error, result =>
        {
            var source = OpenMojiPackage.Open(result.GetValue(package)!);
            output.WriteLine($"OpenMoji {source.Version}: {source.Emoji.Count} emoji with both versions");
            var kept = GroupList(result.GetValue(groups), "--groups");
            var favoured = GroupList(result.GetValue(favour), "--favour");
            var weight = result.GetValue(favourWeight);
            if (weight is not null && favoured is null) throw new UserInputException("--favour_weight needs --favour: name the groups or subgroups it weights");
            var options = new OpenMojiOptions(result.GetValue(size), result.GetValue(variants), !result.GetValue(noBalance), kept, favoured, weight ?? new OpenMojiOptions().FavourWeight);
            var designs = (List(result.GetValue(extraSets), "--extra_sets", "name @iconify-json packages") ?? []).Select(IconifyEmojiSet.Open).ToArray();
            if (designs.GroupBy(d => d.Prefix).FirstOrDefault(g => g.Count() > 1) is { } twice)
            {
                throw new UserInputException($"--extra_sets names the design '{twice.Key}' more than once: its pairs would overwrite each other");
            }

            foreach (var design in designs) output.WriteLine($"{design.Title} {design.Version} ({design.Licence}): {design.Icons.Count} icons");
            var report = DatasetFolder.Write(result.GetValue(target)!, "--out", folder => OpenMojiDataset.Prepare(source, options, folder, output, designs));
            output.WriteLine($"{report.Drawings} distinct drawings; one target each: left out {report.SkinToneDropped} skin-tone variants, {report.OtherColoursDropped} other colours of a shared drawing, {report.AmbiguousFiles} emoji of {report.AmbiguousDrawings} drawings shared by more than {OpenMojiOptions.MaxSharedDrawing}{(options.FiltersByGroup ? $", {report.OutsideGroups} drawings outside --groups" : "")}");
            output.WriteLine($"wrote {report.Written} pairs (train {report.PerSplit["train"]}, val {report.PerSplit["val"]}, test {report.PerSplit["test"]}); skipped {report.Empty} empty, {report.Identical} identical, {report.Unreadable} unreadable");
            if (options.FavoursGroups) output.WriteLine($"favoured: {report.Favoured.Drawings} training drawings with {report.Favoured.Pairs} pairs ({options.FavourWeight}× as many each)");
            foreach (var extra in report.ExtraSets) output.WriteLine($"{extra.Set.Title}: {extra.Kept} training drawings; left out {extra.HeldOut} of OpenMoji's validation or test emoji, {extra.SkinTone} skin tones, {extra.SameDrawing} repeated outlines, {extra.NotInOpenMoji + extra.NoCodePoints} not in OpenMoji{(options.FiltersByGroup ? $", {extra.OutsideGroups} outside --groups" : "")}");
            return 0;
        });
        return command;
    }

    /// <summary>A comma-separated list of OpenMoji groups or subgroups; null when the option is left out.</summary>
    private static string[]? GroupList(string? value, string option) => List(value, option, "name OpenMoji groups or subgroups");

    private static string[]? List(string? value, string option, string what)
    {
        var names = value?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names is { Length: 0 }) throw new UserInputException($"{option} is empty: {what}, or leave the option out");
        return names;
    }

    private static Command Edges(TextWriter output, TextWriter error)
    {
        var command = new Command("edges", "Make edge map | photo pairs from a folder of photos (as the reference made edges2shoes)");
        var input = new Option<string>("--input") { Description = "folder of photos (.png, .jpg, .jpeg, .bmp; subfolders included)", Required = true };
        var size = new Option<int>("--size") { Description = "side of each pair's halves; photos are resized and centre-cropped", DefaultValueFactory = _ => 256 };
        var target = new Option<string>("--out") { Description = "dataset folder to write (train/, val/, test/, DATASET.md)", Required = true };
        var sigma = new Option<float>("--sigma") { Description = "Gaussian smoothing before the gradients (larger: fewer, smoother edges)", DefaultValueFactory = _ => new CannyEdges().Sigma };
        command.Options.Add(input);
        command.Options.Add(size);
        command.Options.Add(target);
        command.Options.Add(sigma);
        CommandAction.Set(command, error, result =>
        {
            var detector = new CannyEdges(Sigma: result.GetValue(sigma));
            if (detector.Sigma is < 0 or > 20) throw new UserInputException("--sigma must be between 0 and 20");
            PhotoEdgesDataset.RefuseOverlap(result.GetValue(input)!, result.GetValue(target)!);
            var report = DatasetFolder.Write(result.GetValue(target)!, "--out", folder => PhotoEdgesDataset.Prepare(result.GetValue(input)!, result.GetValue(size), folder, detector, output));
            output.WriteLine($"wrote {report.Written} pairs (train {report.PerSplit["train"]}, val {report.PerSplit["val"]}, test {report.PerSplit["test"]}); skipped {report.Unreadable} unreadable");
            return 0;
        });
        return command;
    }

    private static Command Combine(TextWriter output, TextWriter error)
    {
        var command = new Command("combine", "Join same-named images of FOLD_A/SPLIT and FOLD_B/SPLIT into FOLD_AB/SPLIT as A|B");
        var foldA = new Option<string>("--fold_A") { Description = "folder with train/, val/, test/ of A images", Required = true };
        var foldB = new Option<string>("--fold_B") { Description = "folder with the same splits of B images, same file names", Required = true };
        var foldAB = new Option<string>("--fold_AB") { Description = "where the A|B images go", Required = true };
        command.Options.Add(foldA);
        command.Options.Add(foldB);
        command.Options.Add(foldAB);
        CommandAction.Set(command, error, result =>
        {
            // Written in place, as the reference's combine_A_and_B.py does (its documented --fold_AB holds A/ and B/).
            var report = PairCombiner.Combine(result.GetValue(foldA)!, result.GetValue(foldB)!, result.GetValue(foldAB)!);
            foreach (var split in report.Splits) output.WriteLine($"{split.Name}: {split.Written} pairs written, {split.MissingB} without a B image, {split.Resized} B images resized to their A");
            return 0;
        });
        return command;
    }
}
