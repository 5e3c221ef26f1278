#include "io/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace postroom::io {

Status drop_privileges(const std::string& user, const std::string& data_dir) {
  if (user.empty() || geteuid() != 0) {
    return ok_status();
  }
  struct passwd* pw = getpwnam(user.c_str());
  if (pw == nullptr) {
    return make_error(ErrorKind::permanent, "server.user: no such user: " + user);
  }
  if (!data_dir.empty() && chown(data_dir.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
    return make_error(ErrorKind::permanent, "chown " + data_dir + ": " + std::strerror(errno));
  }
  if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
    return make_error(ErrorKind::permanent, "switching to user " + user + ": " + std::strerror(errno));
  }
  if (setuid(0) == 0) {
    return make_error(ErrorKind::permanent, "privileges could be regained after dropping them");
  }
  return ok_status();
}

}  // namespace postroom::io
