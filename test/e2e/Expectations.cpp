#include "Expectations.h"

#include <regex>
#include <sstream>

namespace fearless::test {

static std::string trim(const std::string &S) {
  size_t B = S.find_first_not_of(" \t\r");
  size_t E = S.find_last_not_of(" \t\r");
  return B == std::string::npos ? "" : S.substr(B, E - B + 1);
}

static std::vector<Expected> parseMarked(const std::string &Text,
                                         const std::string &Marker) {
  std::vector<Expected> Out;
  std::istringstream In(Text);
  std::string Line;
  for (unsigned No = 1; std::getline(In, Line); ++No) {
    size_t Pos = Line.find(Marker);
    while (Pos != std::string::npos) {
      size_t Start = Pos + Marker.size();
      size_t Next = Line.find(Marker, Start);
      std::string Item = trim(Line.substr(
          Start, Next == std::string::npos ? std::string::npos : Next - Start));
      size_t Space = Item.find(' ');
      Out.push_back({No, Item.substr(0, Space),
                     Space == std::string::npos ? ""
                                                : trim(Item.substr(Space))});
      Pos = Next;
    }
  }
  return Out;
}

std::vector<Expected> parseExpectations(const std::string &Text) {
  return parseMarked(Text, "// expect: ");
}

std::vector<Expected> parseSuppressedExpectations(const std::string &Text) {
  return parseMarked(Text, "// expect-suppressed: ");
}

std::string compare(const std::vector<Expected> &Want,
                    const std::vector<Actual> &Got) {
  std::vector<bool> Used(Got.size(), false);
  std::ostringstream Diff;
  for (const Expected &E : Want) {
    bool Found = false;
    for (size_t I = 0; I < Got.size() && !Found; ++I)
      if (!Used[I] && Got[I].Line == E.Line && Got[I].Check == E.Check &&
          Got[I].Message.find(E.Fragment) != std::string::npos) {
        Used[I] = true;
        Found = true;
      }
    if (!Found)
      Diff << "missing: line " << E.Line << ": " << E.Check << " "
           << E.Fragment << "\n";
  }
  for (size_t I = 0; I < Got.size(); ++I)
    if (!Used[I])
      Diff << "unexpected: line " << Got[I].Line << ": " << Got[I].Check
           << " " << Got[I].Message << "\n";
  return Diff.str();
}

std::vector<Actual> parseTidyOutput(const std::string &Out,
                                    const std::string &File) {
  static const std::regex Warning(
      R"(^(.*):([0-9]+):([0-9]+): (warning|error): (.*) \[([a-z0-9-]+)\]$)");
  std::vector<Actual> Found;
  std::istringstream In(Out);
  std::string Line;
  while (std::getline(In, Line)) {
    std::smatch M;
    if (std::regex_match(Line, M, Warning) && M[1] == File)
      Found.push_back({static_cast<unsigned>(std::stoul(M[2])), M[6], M[5]});
  }
  return Found;
}

} // namespace fearless::test
