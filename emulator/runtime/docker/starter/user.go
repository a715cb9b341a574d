// The switch to the image's user, as the engine would make it.

package main

import (
	"errors"
	"strconv"
	"strings"
	"syscall"
)

// credential is the user a task runs as.
type credential struct {
	uid, gid int
	groups   []int // supplementary
	home     string
}

// maxID is the largest uid or gid the engine accepts.
const maxID = 1<<31 - 1

// lookupUser resolves spec (the image's USER: user, uid, user:group,
// uid:gid, user:gid or uid:group) as the engine does for a container
// created with it (libcontainer's user.GetExecUserPath, which moby calls,
// then runc again with the numeric ids): names looked up in root's
// /etc/passwd and /etc/group, the first entry matching; a numeric id with
// no entry taken as it is; without a passwd entry, gid 0; supplementary
// groups only when no group is given: those listing the user's name; HOME
// from the first passwd entry of the uid, "/" when there is none.
//
// Engines that carry the CVE-2023-25173 fix (moby 20.10.24, 23.0.2 and
// later) also give the user its primary group as a supplementary one;
// addsPrimary says this one does: it did for the starter's own user, 0:0,
// which has no other. The engine gives each group once, also the primary
// one of a user its group lists.
func lookupUser(root, spec string, addsPrimary bool) (*credential, error) {
	userArg, groupArg, _ := strings.Cut(spec, ":")
	groupArg, _, _ = strings.Cut(groupArg, ":")
	uidArg, uidErr := strconv.Atoi(userArg)
	gidArg, gidErr := strconv.Atoi(groupArg)
	passwd := readColonFile(root + "/etc/passwd")
	c := &credential{home: "/"}
	matchedName, matched := "", false
	for _, u := range passwd {
		uid := atoi(field(u, 2))
		switch {
		case userArg == "":
			matched = uid == 0
		case uidErr == nil:
			matched = uid == uidArg
		default:
			matched = field(u, 0) == userArg
		}
		if matched {
			matchedName, c.uid, c.gid = field(u, 0), uid, atoi(field(u, 3))
			break
		}
	}
	if !matched && userArg != "" {
		if uidErr != nil {
			return nil, errors.New("unable to find user " + userArg + ": no matching entries in passwd file")
		}
		c.uid = uidArg
	}
	if groupArg != "" || matchedName != "" {
		var groups []int
		for _, g := range readColonFile(root + "/etc/group") {
			switch {
			case groupArg == "":
				if memberOf(field(g, 3), matchedName) {
					groups = append(groups, atoi(field(g, 2)))
				}
			case gidErr == nil && atoi(field(g, 2)) == gidArg, gidErr != nil && field(g, 0) == groupArg:
				groups = append(groups, atoi(field(g, 2)))
			}
		}
		switch {
		case groupArg == "":
			c.groups = append(c.groups, groups...)
		case len(groups) > 0:
			c.gid = groups[0]
		case gidErr != nil:
			return nil, errors.New("unable to find group " + groupArg + ": no matching entries in group file")
		default:
			c.gid = gidArg
		}
	}
	if c.uid < 0 || c.uid > maxID || c.gid < 0 || c.gid > maxID {
		return nil, errors.New("uids and gids must be in range 0-" + strconv.Itoa(maxID))
	}
	if addsPrimary {
		c.groups = append([]int{c.gid}, c.groups...)
	}
	c.groups = unique(c.groups)
	for _, u := range passwd {
		if atoi(field(u, 2)) == c.uid {
			c.home = field(u, 5)
			break
		}
	}
	return c, nil
}

// switchTo makes the process c's: stdio handed to the user as runc does
// (so the task may reopen /dev/stdout), then the groups, the gid and the
// uid, which Go's syscall package sets on every thread.
func (c *credential) switchTo() error {
	var null syscall.Stat_t
	if err := syscall.Stat("/dev/null", &null); err != nil {
		return pathError("stat", "/dev/null", err)
	}
	for fd := range 3 {
		var st syscall.Stat_t
		if syscall.Fstat(fd, &st) != nil || int(st.Uid) == c.uid || st.Rdev == null.Rdev {
			continue
		}
		// Only the uid, as runc; a failure (in a user namespace) is
		// ignored, as runc ignores it.
		_ = syscall.Fchown(fd, c.uid, -1)
	}
	// runc leaves the groups alone where the user namespace denies
	// setgroups (an engine run without root), and so does the starter.
	if policy, err := readFile("/proc/self/setgroups"); err != nil || strings.TrimSpace(string(policy)) != "deny" {
		if err := syscall.Setgroups(c.groups); err != nil {
			return errors.New("setgroups: " + err.Error())
		}
	}
	if err := syscall.Setgid(c.gid); err != nil {
		return errors.New("setgid: " + err.Error())
	}
	if err := syscall.Setuid(c.uid); err != nil {
		return errors.New("setuid: " + err.Error())
	}
	return nil
}

// readColonFile reads a passwd or group file as lines of colon-separated
// fields, blank lines skipped; a file that cannot be read has none, as
// for the engine.
func readColonFile(name string) [][]string {
	b, err := readFile(name)
	if err != nil {
		return nil
	}
	var lines [][]string
	for line := range strings.SplitSeq(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, strings.Split(line, ":"))
		}
	}
	return lines
}

func field(fields []string, i int) string {
	if i < len(fields) {
		return fields[i]
	}
	return ""
}

// atoi is libcontainer's reading of an id field: 0 when not a number.
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// unique drops repeated ids, keeping the first of each.
func unique(ids []int) []int {
	var out []int
	for i, id := range ids {
		seen := false
		for _, earlier := range ids[:i] {
			seen = seen || earlier == id
		}
		if !seen {
			out = append(out, id)
		}
	}
	return out
}

func memberOf(list, name string) bool {
	if list == "" {
		return false
	}
	for member := range strings.SplitSeq(list, ",") {
		if member == name {
			return true
		}
	}
	return false
}
