using Chat.Contracts;
using Chat.Domain.Pipeline;

namespace Chat.Tests.Pipeline;

/// <summary>
/// The merge of persisted rows and pending states into keyset pages (docs/decisions/0004): what a page holds where the
/// two sources meet, how pending edits and deletions show, and that following <c>next</c> sees every item once.
/// </summary>
public sealed class KeysetMergeTests
{
    /// <summary>A numbered thing in some version; a deleted one hides the row it replaces.</summary>
    private sealed record Item(int Number, int Version, bool Deleted = false);

    private static readonly KeysetMerge.Rules<int, Item> Rules = new(i => i.Number,
        (current, other) => other.Version >= current.Version ? other : current, i => !i.Deleted, Comparer<int>.Default);

    private static Item Row(int number) => new(number, 1);

    /// <summary>What a source returns for a keyset read: the items within the bounds, in page order, at most limit + 1.</summary>
    private static KeysetMerge.Source<int, Item> Read(IEnumerable<Item> all, int low, int high, bool descending, int limit)
    {
        var inRange = all.Where(i => i.Number >= low && i.Number <= high);
        var ordered = (descending ? inRange.OrderByDescending(i => i.Number) : inRange.OrderBy(i => i.Number)).Take(limit + 1).ToList();
        return KeysetMerge.Source<int, Item>.Read(ordered, limit, i => i.Number);
    }

    private static KeysetMerge.Page<int, Item> Page(IEnumerable<Item> persisted, IEnumerable<Item> pending, bool descending, int limit,
        int low = 1, int high = int.MaxValue) =>
        KeysetMerge.Merge(Read(persisted, low, high, descending, limit), Read(pending, low, high, descending, limit), Rules, descending, limit);

    [Test]
    public void APageStopsWhereTheSourceCutShortIsKnownEvenIfTheOtherHasMore()
    {
        // Persisted 1..4 is cut short after 4 (limit 3); pending 5..9 would continue, but nothing is known of 5 on the persisted side yet.
        var page = Page(Enumerable.Range(1, 10).Select(Row), [new Item(2, 2), new Item(5, 2), new Item(6, 2)], descending: false, limit: 3);

        Assert.That(page.Items.Select(i => (i.Number, i.Version)), Is.EqualTo(new[] { (1, 1), (2, 2), (3, 1) }), "the pending edit of 2 wins");
        Assert.That(page.Next, Is.EqualTo(new KeysetMerge.Cut<int>(3)));
    }

    [Test]
    public void APageMayHoldFewerThanItsLimitWhileNextContinues()
    {
        // Persisted 1..4 is cut short after 4; pending deletions hide 2 and 3: the page ends where the rows are known.
        var page = Page(Enumerable.Range(1, 10).Select(Row), [new Item(2, 2, Deleted: true), new Item(3, 2, Deleted: true)],
            descending: false, limit: 3);

        Assert.That(page.Items.Select(i => i.Number), Is.EqualTo(new[] { 1, 4 }));
        Assert.That(page.Next, Is.EqualTo(new KeysetMerge.Cut<int>(4)), "continues after the last known row, not after 4 + something");
    }

    [TestCase(false)]
    [TestCase(true)]
    public void PendingEditsReplaceRowsAndPendingDeletionsHideThemInBothDirections(bool descending)
    {
        var persisted = Enumerable.Range(1, 5).Select(Row);
        var pending = new[] { new Item(2, 3), new Item(4, 2, Deleted: true), new Item(6, 1) };

        var page = Page(persisted, pending, descending, limit: 10);

        var expected = new[] { (1, 1), (2, 3), (3, 1), (5, 1), (6, 1) };
        Assert.That(page.Items.Select(i => (i.Number, i.Version)), Is.EqualTo(descending ? expected.Reverse() : expected));
        Assert.That(page.Next, Is.Null, "both sources were read to their end");
    }

    [TestCase(false)]
    [TestCase(true)]
    public void AnOlderPendingStateDoesNotHideANewerRow(bool descending)
    {
        var page = Page([new Item(1, 5)], [new Item(1, 4, Deleted: true)], descending, limit: 10);

        Assert.That(page.Items.Select(i => (i.Number, i.Version)), Is.EqualTo(new[] { (1, 5) }), "the kind's rule decides, not the source");
    }

    [Test]
    public void DescendingPagesStopAtTheHighestKeyBothSourcesKnowDownTo()
    {
        // Newest first: persisted 10..7 cut short at 7, pending 12..9 cut short at 9: known down to 9 only.
        var page = Page(Enumerable.Range(1, 10).Select(Row), Enumerable.Range(9, 4).Select(n => new Item(n, 2)), descending: true, limit: 3);

        Assert.That(page.Items.Select(i => i.Number), Is.EqualTo(new[] { 12, 11, 10 }));
        Assert.That(page.Next, Is.EqualTo(new KeysetMerge.Cut<int>(10)));
    }

    [Test]
    public void FollowingNextVisitsEveryVisibleItemOnceInOrder([Values(false, true)] bool descending, [Values(1, 2, 5)] int limit)
    {
        var random = new Random(20261204 + limit + (descending ? 1 : 0));
        for (var round = 0; round < 200; round++)
        {
            var persisted = Enumerable.Range(1, 40).Where(_ => random.Next(3) > 0).Select(Row).ToList();
            var pending = Enumerable.Range(1, 45).Where(_ => random.Next(3) == 0)
                .Select(n => new Item(n, random.Next(0, 3), Deleted: random.Next(4) == 0)).ToList();
            var expected = persisted.Concat(pending).GroupBy(i => i.Number)
                .Select(g => g.Aggregate((a, b) => Rules.Combine(a, b))).Where(i => !i.Deleted)
                .OrderBy(i => descending ? -i.Number : i.Number).ToList();

            var seen = new List<Item>();
            var (low, high) = (1, int.MaxValue);
            for (var pages = 0; pages < 200; pages++)
            {
                var page = Page(persisted, pending, descending, limit, low, high);
                Assert.That(page.Items, Has.Count.LessThanOrEqualTo(limit));
                seen.AddRange(page.Items);
                if (page.Next is not { } next) break;
                (low, high) = descending ? (1, next.LastKey - 1) : (next.LastKey + 1, int.MaxValue);
            }

            Assert.That(seen, Is.EqualTo(expected), $"round {round}: no item skipped, repeated or out of order");
        }
    }

    [Test]
    public void TwoStatesOfAMemberCombineToTheNewerMembershipWithTheGreatestCursors()
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var persisted = new MemberState("alice", t0, t0.AddSeconds(2), null, DeliveredUpTo: 9, ReadUpTo: 7);
        var pending = new MemberState("alice", t0, t0.AddSeconds(1), null, DeliveredUpTo: 5, ReadUpTo: 5, RevisedAt: t0.AddSeconds(3));
        var rules = MergedReader.Rules(Kinds.Member, (MemberState m) => m.UserId, order: StringComparer.Ordinal);

        var page = KeysetMerge.Merge(new KeysetMerge.Source<string, MemberState>([persisted], null),
            new KeysetMerge.Source<string, MemberState>([pending], null), rules, descending: false, limit: 10);

        Assert.That(page.Items.Single() with { RevisedAt = null }, Is.EqualTo(persisted), "the cursors never go back, nor does the membership");
        Assert.That(Kinds.Member.VersionOf(page.Items.Single()), Is.EqualTo(t0.AddSeconds(3)), "yet it is the newest state");
    }
}
