/** A listing of DNS records longer than this is a paging bug (ours or the server's), not data. */
export const MAX_PAGES = 1000;
