"""Whether the mailbox's own server found a received message's sender forged, from its
Authentication-Results header (RFC 8601): DMARC, SPF and DKIM verdicts."""

import re

AUTH_RESULT = re.compile(r"(?:^|[;\s])(dmarc|spf|dkim)\s*=\s*([a-z]+)")
# a real header is well under 1,000 characters; the parser slows down on huge ones
MAX_AUTH_RESULTS = 8000


def _auth_verdicts(header: str) -> list[tuple[str, str]]:
    """(method, result) pairs of an Authentication-Results header, read by `authres` (so a
    comment such as "arc=pass (i=1 spf=fail)" is no verdict). A header it cannot read (an
    internationalised domain, RFC 8616, or one that breaks the grammar) is searched for its
    method=result pairs instead, as before."""
    import authres

    if len(header) <= MAX_AUTH_RESULTS:
        try:
            parsed = authres.AuthenticationResultsHeader.parse_value(header)
        except (authres.AuthResError, RecursionError, ValueError):
            pass
        else:
            return [(str(r.method).lower(), str(r.result).lower()) for r in parsed.results]
    return AUTH_RESULT.findall(header.lower())


def sender_failed_checks(authentication_results: str | None) -> bool:
    """Whether the receiving server's verdict (its Authentication-Results header, RFC 8601)
    is that the From address is forged: DMARC failed, or, with no DMARC verdict, SPF failed
    and no DKIM signature passed.

    Only the topmost such header counts: it is the one the mailbox's own server added (a
    sender can write more below it). Kehu cannot check signatures itself, offline; without
    the header nothing is known and the message is taken as it says.
    """
    if not authentication_results:
        return False
    verdicts: dict[str, set[str]] = {"dmarc": set(), "spf": set(), "dkim": set()}
    for method, result in _auth_verdicts(authentication_results):
        if method in verdicts:
            verdicts[method].add(result)  # a message may carry several DKIM signatures
    if verdicts["dmarc"]:
        return "fail" in verdicts["dmarc"]
    return bool(verdicts["spf"] & {"fail", "softfail"}) and "pass" not in verdicts["dkim"]
