using Chat.Domain.Search;

namespace Chat.Tests.Search;

public sealed class MatchOffsetsTests
{
    [Test]
    public void FindsEveryOccurrenceIgnoringCase() =>
        Assert.That(MatchOffsets.Find("Hello hello HELLO", "hELLo").Offsets,
            Is.EqualTo(new[] { new MatchOffset(0, 5), new MatchOffset(6, 5), new MatchOffset(12, 5) }));

    [Test]
    public void OccurrencesDoNotOverlap() =>
        Assert.That(MatchOffsets.Find("aaaaa", "aa").Offsets, Is.EqualTo(new[] { new MatchOffset(0, 2), new MatchOffset(2, 2) }));

    [Test]
    public void FindsNonAsciiOccurrencesIgnoringCase() =>
        Assert.That(MatchOffsets.Find("Привет, ПРИВЕТ!", "привет").Offsets,
            Is.EqualTo(new[] { new MatchOffset(0, 6), new MatchOffset(8, 6) }));

    [Test]
    public void WildcardCharactersMatchLiterally() =>
        Assert.That(MatchOffsets.Find("what? why*", "?").Offsets, Is.EqualTo(new[] { new MatchOffset(4, 1) }));

    [Test]
    public void NoOccurrenceGivesNoOffsets()
    {
        var matches = MatchOffsets.Find("hello", "bye");
        Assert.That(matches.Offsets, Is.Empty);
        Assert.That(matches.Any, Is.False);
    }

    [Test]
    public void AtMostTwentyOccurrencesAreListedAndTheRestIsFlagged()
    {
        var many = MatchOffsets.Find(new string('a', 10_000), "a");
        var exactly = MatchOffsets.Find(new string('a', MatchOffsets.MaxPerHit), "a");

        Assert.Multiple(() =>
        {
            Assert.That(many.Offsets, Has.Count.EqualTo(20));
            Assert.That(many.Offsets[^1], Is.EqualTo(new MatchOffset(19, 1)));
            Assert.That(many.More, Is.True);
            Assert.That(exactly.Offsets, Has.Count.EqualTo(20));
            Assert.That(exactly.More, Is.False, "twenty occurrences are all listed");
        });
    }

    [Test]
    public void EmptyQueryIsRejected() =>
        Assert.Throws<ArgumentException>(() => MatchOffsets.Find("hello", ""));
}
