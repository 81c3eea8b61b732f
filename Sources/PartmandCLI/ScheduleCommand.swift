import ArgumentParser
import Foundation
import PartmandConfig
import PartmandTime

/// `partmand schedule`: the next run times.
struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Print the next scheduled run times, in the schedule's time zone and in UTC.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var time: NowOption

    @Option(name: .long, help: "How many run times to print.")
    var count = 5

    func validate() throws {
        guard (1...1000).contains(count) else { throw ValidationError("--count must be between 1 and 1000") }
    }

    func run() throws {
        let config = try common.start()
        let now = try time.resolve(environment: common.environment).date
        let schedule = config.schedule.schedule(systemZone: .system)
        print("# \(schedule.timeZone.identifier)  UTC")
        for run in schedule.runs(after: now, count: count) {
            let seconds = Int64(run.timeIntervalSince1970.rounded(.down))
            let offset = schedule.timeZone.offset(at: seconds)
            let local = "\(WallClockText.dateHourMinuteSecond(seconds, offset: offset)) \(WallClockText.offset(offset))"
            print("\(local)  \(WallClockText.dateHourMinuteSecond(seconds, offset: 0, separator: "T"))Z")
        }
    }
}
