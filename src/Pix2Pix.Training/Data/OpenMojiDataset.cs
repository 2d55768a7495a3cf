using System.Security.Cryptography;
using System.Text;
using Pix2Pix.Contracts;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Pix2Pix.Training.Data;

/// <summary>How `prepare openmoji` builds its pairs.</summary>
/// <param name="Variants">Pairs per training drawing before balancing: the plain rendering and Variants − 1 augmented ones.</param>
/// <param name="Balance">Give drawings of rare colours more variants (up to <see cref="MaxBalance"/>× as many).</param>
/// <param name="Groups">Keep only the drawings whose emoji is in one of these OpenMoji groups or subgroups (e.g. food-drink,
/// sky-weather); null or empty keeps every drawing.</param>
/// <param name="Favoured">Groups or subgroups whose training drawings get <paramref name="FavourWeight"/>× as many pairs, so a
/// model sees them that much more often without losing the rest; null or empty favours none.</param>
/// <param name="FavourWeight">How many times as many pairs a favoured drawing gets.</param>
public sealed record OpenMojiOptions(int Size = 128, int Variants = 3, bool Balance = true, IReadOnlyList<string>? Groups = null,
    IReadOnlyList<string>? Favoured = null, int FavourWeight = 4)
{
    /// <summary>A drawing shared by more emoji than this (skin tones aside) says nothing of its colours: the flag outlines.</summary>
    public const int MaxSharedDrawing = 16;
    public const int MaxBalance = 4;
    /// <summary>The range of stroke widths of augmented variants, relative to OpenMoji's: the sketch pad's pens span 0.2–1.25×.</summary>
    public const double MinStroke = 0.45, MaxStroke = 1.5;
    public const double MinZoom = 0.8;
    /// <summary>The largest --size a dataset is rendered at: the service's largest upload side (Uploads:MaxSide).</summary>
    public const int MaxSide = 4096;

    public void Validate()
    {
        if (Size is < 8 or > MaxSide) throw new UserInputException($"--size must be between 8 and {MaxSide}");
        if (Variants is < 1 or > 32) throw new UserInputException("--variants must be between 1 and 32");
        if (FavourWeight is < 1 or > 16) throw new UserInputException("--favour_weight must be between 1 and 16");
    }

    /// <summary>Whether only some of OpenMoji's groups are kept (<see cref="Groups"/> names at least one).</summary>
    public bool FiltersByGroup => Groups is { Count: > 0 };

    /// <summary>Whether some of OpenMoji's groups get more pairs (<see cref="Favoured"/> names at least one).</summary>
    public bool FavoursGroups => Favoured is { Count: > 0 };

    /// <summary>Refuses a group or subgroup the package does not have, naming its groups (a typo would otherwise keep or favour nothing).</summary>
    public void ValidateGroups(OpenMojiPackage package)
    {
        RefuseUnknown(package, "--groups", Groups);
        RefuseUnknown(package, "--favour", Favoured);
    }

    private static void RefuseUnknown(OpenMojiPackage package, string option, IReadOnlyList<string>? names)
    {
        if (names is not { Count: > 0 }) return;
        var known = package.Emoji.SelectMany(e => new[] { e.Group, e.Subgroup }).Where(n => n.Length > 0).ToHashSet(StringComparer.Ordinal);
        if (known.Count == 0) throw new UserInputException($"{option}: the package has no data/openmoji.json naming its emoji's groups, so nothing can be chosen by group");
        var unknown = names.Where(g => !known.Contains(g)).ToArray();
        if (unknown.Length == 0) return;
        var groups = package.Emoji.Select(e => e.Group).Where(g => g.Length > 0).Distinct().Order(StringComparer.Ordinal);
        throw new UserInputException($"{option}: the package has no group or subgroup '{string.Join("', '", unknown)}' (its groups: {string.Join(", ", groups)}; subgroups are in its data/openmoji.json)");
    }

    /// <summary>Whether a drawing whose target is <paramref name="item"/> is kept.</summary>
    public bool Keeps(OpenMojiPackage.Item item) => !FiltersByGroup || Groups!.Any(item.IsIn);

    /// <summary>Whether a training drawing whose target is <paramref name="item"/> gets <see cref="FavourWeight"/>× as many pairs.</summary>
    public bool Favours(OpenMojiPackage.Item item) => FavoursGroups && Favoured!.Any(item.IsIn);
}

/// <summary>
/// Writes the OpenMoji sketch → picture pairs in the reference layout (OUT/{train,val,test}/NAME.png, line drawing
/// left, colour right) with a DATASET.md that credits the source and counts every decision. OpenMoji draws many emoji
/// with the same lines (skin tones, flags, a heart in a dozen colours); one drawing with several colours would teach a
/// model to paint their average, so each distinct drawing keeps one target: among the emoji without a skin-tone
/// modifier, the one first in Unicode's order. Training drawings get augmented variants (stroke width, scale, shift,
/// the same for both halves) and, with balancing, rarer colours get more of them. Optionally only the drawings of some of
/// OpenMoji's groups are kept, or some groups' drawings get more pairs (the target decides, after one target per drawing
/// is chosen).
/// </summary>
public static class OpenMojiDataset
{
    public sealed record Report(int Written, IReadOnlyDictionary<string, int> PerSplit, int Empty, int Identical, int Unreadable, int Unpaired, string Version)
    {
        public int Files { get; init; }
        public int Drawings { get; init; }
        public int SharedDrawings { get; init; }
        public int SkinToneDropped { get; init; }
        public int OtherColoursDropped { get; init; }
        public int AmbiguousDrawings { get; init; }
        public int AmbiguousFiles { get; init; }
        /// <summary>Drawings left out because their target is in none of <see cref="OpenMojiOptions.Groups"/>.</summary>
        public int OutsideGroups { get; init; }
        /// <summary>Training drawings in <see cref="OpenMojiOptions.Favoured"/>, and the pairs written for them.</summary>
        public (int Drawings, int Pairs) Favoured { get; init; }
        public IReadOnlyDictionary<ColourFamily, (int Drawings, int Pairs)> TrainingColours { get; init; } = new Dictionary<ColourFamily, (int, int)>();
        /// <summary>What each of the other designs (--extra_sets) added to the training split, and what it left out.</summary>
        public IReadOnlyList<ExtraSetReport> ExtraSets { get; init; } = [];
    }

    /// <summary>One other emoji design's part: its icons, the training drawings kept, and why the others were not.</summary>
    /// <param name="NoCodePoints">Icons chars.json gives no code points (so no OpenMoji emoji to check them against).</param>
    /// <param name="NotInOpenMoji">Icons of emoji OpenMoji does not have (no Unicode order, group or skin tone to go by).</param>
    /// <param name="HeldOut">Icons of emoji whose OpenMoji drawing is in the validation or test split: kept out, so those splits stay unseen objects.</param>
    /// <param name="SameDrawing">Icons whose outlines repeat another's of the design in other colours (one target per drawing, as for OpenMoji).</param>
    public sealed record ExtraSetReport(IconifyEmojiSet Set, int Kept, int NoCodePoints, int NotInOpenMoji, int SkinTone, int OutsideGroups, int HeldOut,
        int SameDrawing, int Unusable);

    private sealed record Drawing(OpenMojiPackage.Item Item, string Key);

    /// <summary>A training drawing of any design: its pair's name, what it shows, and how to render it in a style.</summary>
    private sealed record TrainingDrawing(string Name, OpenMojiPackage.Item Item, ColourFamily Family, Func<RenderStyle, (Image<Rgb24> A, Image<Rgb24> B)?> Render);

    public static Report Prepare(OpenMojiPackage package, OpenMojiOptions options, string output, TextWriter? progress = null, IReadOnlyList<IconifyEmojiSet>? extraSets = null)
    {
        options.Validate();
        options.ValidateGroups(package);
        var pairs = new SplitWriter(output);
        int empty = 0, identical = 0, unreadable = 0, done = 0;

        // 1. Every line drawing, keyed by its pixels: emoji with the same key share one drawing.
        var drawings = new List<Drawing>();
        foreach (var emoji in package.Emoji)
        {
            if (++done % 1000 == 0) progress?.WriteLine($"{done}/{package.Emoji.Count} drawings compared");
            using var a = TryRender(emoji.LineDrawing, options.Size, RenderStyle.Plain);
            if (a is null) { unreadable++; continue; }
            if (IsBlank(a)) { empty++; continue; }
            drawings.Add(new Drawing(emoji, PixelKey(a)));
        }

        // 2. One target per drawing.
        var groups = drawings.GroupBy(d => d.Key).ToArray();
        // Every emoji of a drawing goes where the drawing's target does: another design's orange heart is held out with the red one.
        var drawingSplit = new Dictionary<string, string>(StringComparer.Ordinal);
        int skinTone = 0, otherColours = 0, ambiguous = 0, ambiguousFiles = 0, outside = 0;
        var chosen = new List<OpenMojiPackage.Item>();
        foreach (var group in groups)
        {
            var members = group.Select(d => d.Item).ToArray();
            var candidates = members.Where(m => !m.SkinTone).ToArray();
            if (candidates.Length == 0) candidates = members;
            if (candidates.Length > OpenMojiOptions.MaxSharedDrawing)
            {
                ambiguous++;
                ambiguousFiles += members.Length;
                continue;
            }

            var pick = candidates.OrderBy(m => m.Order).ThenBy(m => m.Name, StringComparer.Ordinal).First();
            foreach (var member in members) drawingSplit[member.Name] = DatasetSplit.Of(pick.Name);
            skinTone += members.Count(m => m.SkinTone && m != pick);
            otherColours += members.Count(m => !m.SkinTone && m != pick);
            if (options.Keeps(pick)) chosen.Add(pick);
            else outside++;
        }

        // 3. Every kept drawing plain, in its split; the training ones also with their colour family, for balancing.
        var training = new List<TrainingDrawing>();
        foreach (var item in chosen)
        {
            using var a = TryRender(item.LineDrawing, options.Size, RenderStyle.Plain);
            using var b = TryRender(item.Colour, options.Size, RenderStyle.Plain);
            if (a is null || b is null) { unreadable++; continue; }
            if (IsBlank(b)) { empty++; continue; }
            if (SameImage(a, b)) { identical++; continue; }
            var split = DatasetSplit.Of(item.Name);
            pairs.Write(item.Name, a, b, split);
            if (split == "train") training.Add(new TrainingDrawing(item.Name, item, ColourNames.Dominant(Pixels(b)).Family, style => RenderPair(item, options.Size, style)));
        }

        // 3b. Other designs of the same emoji, outlined from their colours: more drawings of each object, training split only.
        var extras = (extraSets ?? []).Select(set => AddExtraSet(set, package, drawingSplit, options, pairs, training, progress)).ToArray();

        // 4. Training variants beyond the plain pair: more of them for rarer colours (square-root balancing, capped).
        var perFamily = training.GroupBy(t => t.Family).ToDictionary(g => g.Key, g => g.Count());
        var largest = perFamily.Count == 0 ? 0 : perFamily.Values.Max();
        var written = new Dictionary<ColourFamily, (int Drawings, int Pairs)>();
        var favoured = (Drawings: 0, Pairs: 0);
        done = 0;
        foreach (var (name, item, family, render) in training)
        {
            if (++done % 500 == 0) progress?.WriteLine($"{done}/{training.Count} training drawings rendered");
            var copies = options.Balance ? (int)Math.Round(options.Variants * Math.Min(OpenMojiOptions.MaxBalance, Math.Sqrt(largest / (double)perFamily[family]))) : options.Variants;
            if (options.Favours(item))
            {
                copies *= options.FavourWeight;
                favoured = (favoured.Drawings + 1, favoured.Pairs + copies);
            }

            for (var k = 1; k < copies; k++)   // k = 0, the plain pair, is written above
            {
                if (render(Augmentation(name, k)) is not { } pair) continue;
                var (a, b) = pair;
                using (a)
                using (b)
                {
                    pairs.Write($"{name}_v{k}", a, b, "train");
                }
            }

            var (d, p) = written.GetValueOrDefault(family);
            written[family] = (d + 1, p + copies);
        }

        var report = new Report(pairs.Written, pairs.PerSplit, empty, identical, unreadable, package.Unpaired, package.Version)
        {
            Files = package.Emoji.Count,
            Drawings = groups.Length,
            SharedDrawings = groups.Count(g => g.Count() > 1),
            SkinToneDropped = skinTone,
            OtherColoursDropped = otherColours,
            AmbiguousDrawings = ambiguous,
            AmbiguousFiles = ambiguousFiles,
            OutsideGroups = outside,
            Favoured = favoured,
            TrainingColours = written,
            ExtraSets = extras,
        };
        File.WriteAllText(Path.Combine(output, "DATASET.md"), OpenMojiDatasetCard.Describe(report, options));
        return report;
    }

    /// <summary>The k-th augmented style of an item: seeded by its name and k, so a dataset is the same wherever it is made.</summary>
    public static RenderStyle Augmentation(string name, int k)
    {
        var seed = BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes($"{name}/{k}")), 0);
        var random = new Random(seed);
        var stroke = Math.Exp(Math.Log(OpenMojiOptions.MinStroke) + random.NextDouble() * (Math.Log(OpenMojiOptions.MaxStroke) - Math.Log(OpenMojiOptions.MinStroke)));
        var zoom = OpenMojiOptions.MinZoom + random.NextDouble() * (1 - OpenMojiOptions.MinZoom);
        var room = (1 - zoom) / 2;
        return new RenderStyle(stroke, zoom, (random.NextDouble() * 2 - 1) * room, (random.NextDouble() * 2 - 1) * room);
    }

    private static (Image<Rgb24> A, Image<Rgb24> B)? RenderPair(OpenMojiPackage.Item item, int size, RenderStyle style)
    {
        var a = TryRender(item.LineDrawing, size, style);
        var b = TryRender(item.Colour, size, style);
        if (a is not null && b is not null) return (a, b);
        a?.Dispose();
        b?.Dispose();
        return null;
    }

    // One design's icons of emoji OpenMoji has whose OpenMoji drawing is in the training split, without skin tones, one target per outline
    // (the first in Unicode's order): each written plain now and added to the drawings that get augmented variants.
    private static ExtraSetReport AddExtraSet(IconifyEmojiSet set, OpenMojiPackage package, IReadOnlyDictionary<string, string> drawingSplit, OpenMojiOptions options,
        SplitWriter pairs, List<TrainingDrawing> training, TextWriter? progress)
    {
        int noCode = 0, notInOpenMoji = 0, skinTone = 0, outside = 0, heldOut = 0, unusable = 0, repeated = 0;
        var eligible = new List<(IconifyEmojiSet.Icon Icon, OpenMojiPackage.Item Item)>();
        foreach (var icon in set.Icons)
        {
            if (icon.Hexcode is null) { noCode++; continue; }
            if (package.Find(icon.Hexcode) is not { } item) { notInOpenMoji++; continue; }
            if (item.SkinTone) { skinTone++; continue; }
            if (!options.Keeps(item)) { outside++; continue; }
            if (drawingSplit.GetValueOrDefault(item.Name, DatasetSplit.Of(item.Name)) != "train") { heldOut++; continue; }
            eligible.Add((icon, item));
        }

        // In Unicode's order, each icon kept unless its lines are those of one kept before it; rendered once, written when kept.
        var kept = new List<ColourOutlines.LineMask>();
        foreach (var (icon, item) in eligible.OrderBy(c => c.Item.Order).ThenBy(c => c.Icon.Name, StringComparer.Ordinal))
        {
            if (RenderOutlined(icon, options.Size, RenderStyle.Plain) is not { } pair) { unusable++; continue; }
            var (a, b) = pair;
            using (a)
            using (b)
            {
                var lines = ColourOutlines.LineMask.Of(a);
                if (kept.Any(k => k.Overlap(lines) >= ColourOutlines.SameDrawing)) { repeated++; continue; }
                kept.Add(lines);
                var name = $"{set.Prefix}_{icon.Name}";
                pairs.Write(name, a, b, "train");
                training.Add(new TrainingDrawing(name, item, ColourNames.Dominant(Pixels(b)).Family, style => RenderOutlined(icon, options.Size, style)));
            }
        }

        progress?.WriteLine($"{set.Title} {set.Version}: {kept.Count} of {set.Icons.Count} icons kept as training drawings");
        return new ExtraSetReport(set, kept.Count, noCode, notInOpenMoji, skinTone, outside, heldOut, repeated, unusable);
    }

    // An icon of another design, rendered in a style (scale and shift as given, its stroke scale choosing the line width), outlined.
    private static (Image<Rgb24> A, Image<Rgb24> B)? RenderOutlined(IconifyEmojiSet.Icon icon, int size, RenderStyle style)
    {
        using var colour = TryRender(icon.Svg, size, style with { StrokeScale = 1 });
        if (colour is null || IsBlank(colour)) return null;
        return ColourOutlines.Draw(colour, ColourOutlines.For(style));
    }

    private static Image<Rgb24>? TryRender(string svg, int size, RenderStyle style)
    {
        try
        {
            return SvgRasterizer.Render(svg, size, style);
        }
        catch (Exception e) when (e is FormatException or System.Xml.XmlException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }

    private static Rgb24[] Pixels(Image<Rgb24> image)
    {
        var pixels = new Rgb24[image.Width * image.Height];
        image.CopyPixelDataTo(pixels);
        return pixels;
    }

    private static string PixelKey(Image<Rgb24> image) => Convert.ToHexString(SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Pixels(image).AsSpan())));

    private static bool IsBlank(Image<Rgb24> image) => Pixels(image).All(p => p.R > 250 && p.G > 250 && p.B > 250);

    private static bool SameImage(Image<Rgb24> a, Image<Rgb24> b) => Pixels(a).AsSpan().SequenceEqual(Pixels(b));
}
