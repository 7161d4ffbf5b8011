using Chat.Domain.Search.Elasticsearch;

namespace Chat.Tests.Search;

public sealed class ElasticsearchMatchOffsetsTests
{
    [Test]
    public void FindsEveryOccurrenceIgnoringCase() =>
        Assert.That(MatchOffsets.Find("Hello hello HELLO", "hELLo"),
            Is.EqualTo(new[] { new MatchOffset(0, 5), new MatchOffset(6, 5), new MatchOffset(12, 5) }));

    [Test]
    public void OccurrencesDoNotOverlap() =>
        Assert.That(MatchOffsets.Find("aaaaa", "aa"), Is.EqualTo(new[] { new MatchOffset(0, 2), new MatchOffset(2, 2) }));

    [Test]
    public void FindsNonAsciiOccurrencesIgnoringCase() =>
        Assert.That(MatchOffsets.Find("Привет, ПРИВЕТ!", "привет"),
            Is.EqualTo(new[] { new MatchOffset(0, 6), new MatchOffset(8, 6) }));

    [Test]
    public void WildcardCharactersMatchLiterally() =>
        Assert.That(MatchOffsets.Find("what? why*", "?"), Is.EqualTo(new[] { new MatchOffset(4, 1) }));

    [Test]
    public void NoOccurrenceGivesNoOffsets() =>
        Assert.That(MatchOffsets.Find("hello", "bye"), Is.Empty);

    [Test]
    public void EmptyQueryIsRejected() =>
        Assert.Throws<ArgumentException>(() => MatchOffsets.Find("hello", ""));
}
